import type { ClusterCommand, ClusterCommandExecutor } from './cluster-command.interface.js';

/** The outcome of another owner's command, ready to be sent back. */
export interface ClusterCommandOutcome {
  result?: unknown;
  err?: string;
}

/**
 * Runs another owner's command on this process's connections; a throw becomes an error message
 * for the caller rather than reaching the transport's event handler.
 */
export function runClusterCommand(
  executor: ClusterCommandExecutor | null,
  command: ClusterCommand,
): ClusterCommandOutcome {
  try {
    return { result: executor?.(command) };
  } catch (caught) {
    return { err: caught instanceof Error ? caught.message : String(caught) };
  }
}
