import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { WsClient } from '../../src/client/ws-client.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { WsConnectionError } from '../../src/client/ws-connection.error.js';
import { createSelfSignedCertificate, type TestCertificate } from './support/certificate.js';
import { Harness } from './support/harness.js';

describe('WsClient over TLS (wss://) against our server', () => {
  let certificate: TestCertificate;
  const harness = new Harness();
  let server: WsServer;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    certificate = createSelfSignedCertificate();
    server = await harness.server({ ssl: { cert: certificate.cert, key: certificate.key } });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await harness.cleanup();
    certificate.remove();
  });

  const url = (): string => `wss://127.0.0.1:${server.port}/secure`;

  it('refuses a certificate it cannot verify by default', async () => {
    const error = await WsClient.connect(url()).then(
      () => new Error('connected'),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(WsConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect((error as Error).message).toMatch(/self[- ]signed/);
  });

  it('trusts the given CA and checks the name the certificate is for', async () => {
    const client = await WsClient.connect(url(), { ca: certificate.cert, servername: 'localhost' });
    clients.push(client);
    client.push('over TLS');
    expect(await client.recv(3000)).toMatchObject({ data: 'over TLS' });
    const wrongName = await WsClient.connect(url(), {
      ca: certificate.cert,
      servername: 'elsewhere.test',
    }).catch((failure: unknown) => failure);
    expect((wrongName as Error).message).toMatch(/elsewhere\.test/);
  });

  it('connects without verification when told to', async () => {
    const client = await WsClient.connect(url(), { rejectUnauthorized: false });
    clients.push(client);
    expect(await client.ping('tls ping', 3000)).toBe(true);
    expect(await client.close(1000, 'done')).toBe(true);
    expect(client.wasClean).toBe(true);
  });
});
