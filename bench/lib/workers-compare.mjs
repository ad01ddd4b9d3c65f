// Scale-out with worker processes (`gatehouse start --workers`, ADR 0006): a run with one server
// process against one with N, same store, scenario and VUs, and what bounds the ratio on this box.

const finite = (n) => typeof n === 'number' && Number.isFinite(n);
const storeOf = (r) => r.store ?? 'sqlite';
const workersOf = (r) => r.workers ?? 1;

/**
 * Every (store, scenario, VUs) that has a clean closed-loop run with one process and one with more:
 * the throughput ratio, and the CPU per flow of everything a flow costs on this machine (the server
 * processes, the PostgreSQL backends of the bench database, the load generator). `cores ÷ that sum`
 * is the most flows/s the box can give whatever the number of workers: the ceiling.
 * @param {any[]} runs
 * @param {number} cores
 */
export function workersComparisons(runs, cores) {
  const closed = (runs ?? []).filter(
    (r) => r.kind === 'flow' && r.mode !== 'open-loop' && r.errors === 0 && r.flows > 0,
  );
  const out = [];
  for (const multi of closed.filter((r) => workersOf(r) > 1)) {
    // The one-process run just before it (the bench runs them back to back), else any.
    const same = (r) =>
      workersOf(r) === 1 &&
      storeOf(r) === storeOf(multi) &&
      r.scenario === multi.scenario &&
      r.concurrency === multi.concurrency;
    const before = closed.slice(0, closed.indexOf(multi)).filter(same);
    const single = before.length ? before[before.length - 1] : closed.find(same);
    if (!single) continue;
    const side = (r) => {
      const server = r.serverCpuSecondsPerFlow;
      const database = r.databaseCpuSecondsPerFlow ?? 0;
      const generator = r.clientCpuSecondsPerFlow ?? 0;
      const total = finite(server) ? server + database + generator : null;
      return {
        workers: workersOf(r),
        flowsPerSecond: r.flowsPerSecond,
        flowP99Ms: r.flow?.p99 ?? null,
        serverMsPerFlow: finite(server) ? server * 1000 : null,
        databaseMsPerFlow: finite(r.databaseCpuSecondsPerFlow) ? database * 1000 : null,
        generatorMsPerFlow: finite(r.clientCpuSecondsPerFlow) ? generator * 1000 : null,
        totalMsPerFlow: finite(total) ? total * 1000 : null,
        serverCores: r.serverCores ?? null,
        databaseCores: r.databaseCores ?? null,
        generatorCores: r.clientCores ?? null,
        otherCores: r.otherCores ?? null,
        ceilingFlowsPerSecond: finite(total) && total > 0 && finite(cores) ? cores / total : null,
      };
    };
    out.push({
      store: storeOf(multi),
      scenario: multi.scenario,
      concurrency: multi.concurrency,
      cores,
      one: side(single),
      many: side(multi),
      ratio: single.flowsPerSecond > 0 ? multi.flowsPerSecond / single.flowsPerSecond : null,
    });
  }
  return out;
}
