/**
 * Child processes for multi-process tests: worker scripts live in test/store/workers/ and take one
 * JSON argument. Free of vitest, so benchmarks can use it too.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Output of a finished child process. */
export interface WorkerResult {
  stdout: string;
  stderr: string;
}

/** Path of a worker script under test/store/workers/. */
export function workerScript(name: string): string {
  return fileURLToPath(new URL(`../workers/${name}`, import.meta.url));
}

/** Runs `node <script> <json>`; resolves with its output, rejects when it exits non-zero. */
export function runWorker(script: string, input: unknown, timeoutMs = 60_000): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', script, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`worker ${script} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}
