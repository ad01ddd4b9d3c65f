// What the bench measures about processes and the machine: CPU from /proc, peak RSS, machine-wide
// busy time (for the "other load" column), versions, and a free loopback port.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
 * A process and all its descendants (cluster workers, …): pids found through the parent field of
 * every /proc/<pid>/stat. Processes that vanish while the table is read are left out.
 */
export function processTree(pid) {
  const childrenOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!childrenOf.has(ppid)) childrenOf.set(ppid, []);
      childrenOf.get(ppid).push(Number(entry));
    } catch {}
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i]) ?? []));
  return tree;
}

/** CPU seconds of a process and its descendants (each process's user + system, all threads). */
export function treeCpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += processCpuSeconds(p);
    } catch {}
  }
  return total;
}

/** Peak and current RSS summed over a process and its descendants, and how many there are. */
export function treeMemory(pid) {
  const sum = { peakRssBytes: 0, rssBytes: 0, processes: 0 };
  for (const p of processTree(pid)) {
    try {
      const m = processMemory(p);
      sum.peakRssBytes += m.peakRssBytes;
      sum.rssBytes += m.rssBytes;
      sum.processes++;
    } catch {}
  }
  return sum;
}

/**
 * CPU seconds of the PostgreSQL backends serving database `name` (their process title reads
 * `postgres: … <user> <database> <client> <state>`); 0 when there are none or /proc is unreadable.
 */
export function databaseCpuSeconds(name) {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.includes(` ${name} `))
        total += processCpuSeconds(Number(entry));
    } catch {}
  }
  return total;
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
 * Runs `work` and measures, over exactly its duration, the CPU of the server process `pid` and its
 * descendants (cluster workers), of this process (the load generator) and of everything else on the
 * machine; with `database`, also of the PostgreSQL backends serving that database (left out of
 * "other"). Peak RSS is the sum of each server process's high-water mark.
 * @template {{ elapsedMs: number, flows: number }} R
 * @param {number} pid
 * @param {() => Promise<R>} work
 */
export async function measured(pid, work, { database = null } = {}) {
  const db0 = database ? databaseCpuSeconds(database) : 0;
  const cpu0 = treeCpuSeconds(pid);
  const client0 = process.cpuUsage();
  const machine0 = machineCpuSeconds();
  const result = await work();
  const cpu1 = treeCpuSeconds(pid);
  const client = process.cpuUsage(client0);
  const machine1 = machineCpuSeconds();
  const databaseCpu = database ? databaseCpuSeconds(database) - db0 : null;
  const memory = treeMemory(pid);
  const serverCpuSeconds = cpu1 - cpu0;
  const clientCpuSeconds = (client.user + client.system) / 1e6;
  const elapsedS = result.elapsedMs / 1000;
  const otherCpuSeconds = Math.max(
    0,
    machine1.busy - machine0.busy - serverCpuSeconds - clientCpuSeconds - (databaseCpu ?? 0),
  );
  return {
    ...result,
    serverCpuSeconds,
    serverCpuSecondsPerFlow: result.flows ? serverCpuSeconds / result.flows : null,
    serverCores: serverCpuSeconds / elapsedS,
    clientCpuSecondsPerFlow: result.flows ? clientCpuSeconds / result.flows : null,
    clientCores: clientCpuSeconds / elapsedS,
    // PostgreSQL backends of the store's database (null on SQLite, which runs inside the server).
    databaseCpuSecondsPerFlow: databaseCpu === null || !result.flows ? null : databaseCpu / result.flows,
    databaseCores: databaseCpu === null ? null : databaseCpu / elapsedS,
    otherCores: otherCpuSeconds / elapsedS,
    stealSeconds: machine1.steal - machine0.steal,
    serverPeakRssBytes: memory.peakRssBytes,
    serverRssBytes: memory.rssBytes,
    serverProcesses: memory.processes,
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
        [
          'fastify',
          'better-sqlite3',
          'better-sqlite3-v12',
          '@node-rs/argon2',
          'jose',
          'kysely',
          'undici',
        ].map((p) => [p, packageVersion(root, p)]),
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
