// What the bench measures about processes and the machine: CPU from /proc, peak RSS, machine-wide
// busy time (for the "other load" column), versions, and a free loopback port.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak and current resident set size of a process in bytes, from /proc/<pid>/status. */
export function processMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
}

/**
 * Machine-wide CPU seconds from /proc/stat: busy (everything but idle and iowait, all cores) and
 * steal (time the hypervisor gave to someone else). Busy minus server minus load generator is
 * what other processes used during a run: a noise indicator on a shared box.
 */
export function machineCpuSeconds() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .map(Number);
    return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, steal: steal / CLK_TCK };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

/**
 * Runs `work` and measures, over exactly its duration, the CPU of the server process `pid`, of this
 * process (the load generator) and of everything else on the machine.
 * @template {{ elapsedMs: number, flows: number }} R
 * @param {number} pid
 * @param {() => Promise<R>} work
 */
export async function measured(pid, work) {
  const cpu0 = processCpuSeconds(pid);
  const client0 = process.cpuUsage();
  const machine0 = machineCpuSeconds();
  const result = await work();
  const cpu1 = processCpuSeconds(pid);
  const client = process.cpuUsage(client0);
  const machine1 = machineCpuSeconds();
  const memory = processMemory(pid);
  const serverCpuSeconds = cpu1 - cpu0;
  const clientCpuSeconds = (client.user + client.system) / 1e6;
  const elapsedS = result.elapsedMs / 1000;
  const otherCpuSeconds = Math.max(0, machine1.busy - machine0.busy - serverCpuSeconds - clientCpuSeconds);
  return {
    ...result,
    serverCpuSeconds,
    serverCpuSecondsPerFlow: result.flows ? serverCpuSeconds / result.flows : null,
    serverCores: serverCpuSeconds / elapsedS,
    clientCpuSecondsPerFlow: result.flows ? clientCpuSeconds / result.flows : null,
    clientCores: clientCpuSeconds / elapsedS,
    otherCores: otherCpuSeconds / elapsedS,
    stealSeconds: machine1.steal - machine0.steal,
    serverPeakRssBytes: memory.peakRssBytes,
    serverRssBytes: memory.rssBytes,
  };
}

export function git(root, ...argv) {
  try {
    return execFileSync('git', argv, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export function packageVersion(root, name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

export function machine(root, extraPackages = {}) {
  const list = cpus();
  const sha = git(root, 'rev-parse', 'HEAD');
  const status = git(root, 'status', '--porcelain');
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    gitSha: sha,
    gitDirty: status === null ? null : status.length > 0,
    packages: {
      ...Object.fromEntries(
        ['fastify', 'better-sqlite3', '@node-rs/argon2', 'jose', 'kysely', 'undici'].map((p) => [
          p,
          packageVersion(root, p),
        ]),
      ),
      ...extraPackages,
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Median and range of numbers (null for an empty list). */
export function spread(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!xs.length) return null;
  const mid = xs.length >> 1;
  return {
    median: xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2,
    min: xs[0],
    max: xs[xs.length - 1],
    n: xs.length,
  };
}
