import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { createSelfSignedCertificate, type TestCertificate } from './support/certificate.js';
import { clientFrame } from './support/frames.js';
import { Harness } from './support/harness.js';

const harness = new Harness();
let certificate: TestCertificate;

beforeAll(() => {
  certificate = createSelfSignedCertificate();
});
afterAll(() => {
  certificate.remove();
  expect(existsSync(certificate.certFile)).toBe(false);
});
afterEach(() => harness.cleanup());

const insecure = { rejectUnauthorized: false };

describe('wss', () => {
  it('serves wss with ssl: { cert, key }', async () => {
    const server = await harness.server({ ssl: { cert: certificate.cert, key: certificate.key } });
    const client = await harness.open(server, '/', [], insecure, true);
    await client.roundTrip();
    client.ws.send(Buffer.from([1, 2, 3]));
    const binary = await client.messages.next();
    expect(binary.isBinary).toBe(true);
    expect(binary.data).toEqual(Buffer.from([1, 2, 3]));
    // A plain ws:// client cannot talk to the TLS port.
    const plain = harness.client(server);
    await expect(plain.waitOpen(2000)).rejects.toBeDefined();
    await client.roundTrip();
  });

  it('serves wss with the ssl_cert_file / ssl_key_file settings', async () => {
    const opened: string[] = [];
    const server = await harness.server(
      { settings: { ssl_cert_file: certificate.certFile, ssl_key_file: certificate.keyFile } },
      (s) => s.on('open', (request) => void opened.push(request.server.remote_addr)),
    );
    const client = await harness.open(server, '/', [], insecure, true);
    await client.roundTrip();
    expect(opened).toEqual(['127.0.0.1']);
    const info = server.getClientInfo([...server.connections][0]);
    expect(info && info.remote_port).toBe(client.localPort);
  });

  it('speaks raw frames over TLS too', async () => {
    const server = await harness.server({ ssl: { cert: certificate.cert, key: certificate.key } });
    const raw = await harness.raw(server, true);
    await raw.handshake('/');
    raw.write(clientFrame(0x1, 'over tls'));
    expect((await raw.readFrame()).payload.toString()).toBe('over tls');
  });

  it('refuses to start with only one of ssl_cert_file / ssl_key_file', async () => {
    const server = harness.track(
      new WsServer(
        { host: '127.0.0.1', port: 0, settings: { ssl_cert_file: certificate.certFile } },
        harness.logger,
      ),
    );
    server.on('message', () => undefined);
    await expect(server.start()).rejects.toThrow(/ssl_cert_file and ssl_key_file/);
  });
});
