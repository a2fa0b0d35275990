import { describe, expect, it } from '@jest/globals';
import type { ClusterAdapter } from '../../src/cluster/cluster-adapter.interface.js';
import {
  type ClusterCommand,
  ClusterUnavailableError,
} from '../../src/cluster/cluster-command.interface.js';
import { makeClusterFd } from '../../src/cluster/cluster-fd.util.js';
import { RemoteConnections } from '../../src/cluster/remote-connections.js';

/** An adapter that records what it was asked to do. */
class RecordingAdapter implements ClusterAdapter {
  readonly ownerId = 1;
  readonly requests: Array<[number, ClusterCommand]> = [];
  readonly notified: Array<[number, ClusterCommand]> = [];
  live = new Set([1, 2]);
  notifyAnswer = true;
  requestAnswer: () => Promise<unknown> = () => Promise.resolve(true);
  gatherAnswer: () => Promise<unknown[]> = () => Promise.resolve([[5]]);

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  isLive(owner: number): boolean {
    return this.live.has(owner);
  }
  request(owner: number, command: ClusterCommand): Promise<unknown> {
    this.requests.push([owner, command]);
    return this.requestAnswer();
  }
  notify(owner: number, command: ClusterCommand): boolean {
    this.notified.push([owner, command]);
    return this.notifyAnswer;
  }
  gather(): Promise<unknown[]> {
    return this.gatherAnswer();
  }
  publish(): boolean {
    return true;
  }
}

const remoteFd = makeClusterFd(2, 9);
const push: ClusterCommand = { op: 'push', fd: remoteFd, data: 'x', opcode: 1, flags: 1 };

describe('RemoteConnections', () => {
  it('tells local fds from remote ones', () => {
    const remote = new RemoteConnections(new RecordingAdapter());
    expect(remote.isRemote(makeClusterFd(1, 5))).toBe(false);
    expect(remote.isRemote(remoteFd)).toBe(true);
  });

  it('dispatches one way (notify), never through a request with an answer and a timer', () => {
    const adapter = new RecordingAdapter();
    expect(new RemoteConnections(adapter).dispatch(remoteFd, push)).toBe(true);
    expect(adapter.notified).toEqual([[2, push]]);
    expect(adapter.requests).toEqual([]);
  });

  it('dispatches nothing to an owner that is not live, and says false', () => {
    const adapter = new RecordingAdapter();
    adapter.live.delete(2);
    expect(new RemoteConnections(adapter).dispatch(remoteFd, push)).toBe(false);
    expect(adapter.notified).toEqual([]);
  });

  it('says false when the transport refuses the one-way command', () => {
    const adapter = new RecordingAdapter();
    adapter.notifyAnswer = false;
    expect(new RemoteConnections(adapter).dispatch(remoteFd, push)).toBe(false);
  });

  it('asks the owner and falls back when the request fails, asynchronously or not', async () => {
    const adapter = new RecordingAdapter();
    const remote = new RemoteConnections(adapter);
    expect(await remote.ask(remoteFd, { op: 'exist', fd: remoteFd }, false)).toBe(true);
    adapter.requestAnswer = () => Promise.reject(new ClusterUnavailableError('gone'));
    expect(await remote.ask(remoteFd, { op: 'exist', fd: remoteFd }, false)).toBe(false);
    adapter.requestAnswer = () => {
      throw new ClusterUnavailableError('thrown');
    };
    expect(await remote.ask(remoteFd, { op: 'exist', fd: remoteFd }, 'fallback')).toBe('fallback');
  });

  it('gathers, and gives an empty list when the cluster cannot be asked', async () => {
    const adapter = new RecordingAdapter();
    const remote = new RemoteConnections(adapter);
    expect(await remote.gather({ op: 'connections' })).toEqual([[5]]);
    adapter.gatherAnswer = () => Promise.reject(new ClusterUnavailableError('Redis is down'));
    expect(await remote.gather({ op: 'connections' })).toEqual([]);
  });
});
