/**
 * Runs the Prometheus tools installed on the machine (Debian packages `prometheus` and
 * `prometheus-alertmanager`): promtool, amtool, prometheus, prometheus-alertmanager.
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './paths';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

export function run(command: string, args: readonly string[], cwd: string = REPO_ROOT): RunResult {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
}

/** Whether a command is on PATH. */
export function haveCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}
