// The Markdown report of one bench invocation (the JSON file holds everything it summarises).

const f1 = (n) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1));
const f2 = (n) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(2));
const ms = (seconds) => (seconds === null || seconds === undefined ? '–' : (seconds * 1000).toFixed(2));
const mib = (bytes) => (bytes ? (bytes / 1024 / 1024).toFixed(0) : '–');
const range = (s, digits = 2) =>
  s ? `**${s.median.toFixed(digits)}** [${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]` : '–';

const RUN_HEADER =
  '| store | scenario | VUs | workers | flows | flows/s | flow p50 / p95 / p99 ms | errors | server CPU ms/flow | PG backends CPU ms/flow | server cores | generator cores | other load cores | server peak RSS MiB |';
const RUN_RULE = '|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|';
const storeOf = (r) => r.store ?? 'sqlite';

/** One table row; `afterErrors` and `beforeRss` are extra cells of some tables. */
function runRow(r, { afterErrors = [], beforeRss = [] } = {}) {
  const cells = [
    storeOf(r),
    r.scenario,
    r.concurrency,
    r.workers ?? 1,
    r.flows,
    f1(r.flowsPerSecond),
    `${f1(r.flow.p50)} / ${f1(r.flow.p95)} / ${f1(r.flow.p99)}`,
    r.errors,
    ...afterErrors,
    ms(r.serverCpuSecondsPerFlow),
    ms(r.databaseCpuSecondsPerFlow),
    f2(r.serverCores),
    f2(r.clientCores),
    f2(r.otherCores),
    ...beforeRss,
    mib(r.serverPeakRssBytes),
  ];
  return `| ${cells.join(' | ')} |`;
}

function stepRows(lines, runs) {
  lines.push('| store | scenario | VUs | workers | step | p50 | p95 | p99 | max |');
  lines.push('|---|---|---:|---:|---|---:|---:|---:|---:|');
  for (const r of runs) {
    for (const [step, s] of Object.entries(r.steps)) {
      lines.push(
        `| ${storeOf(r)} | ${r.scenario} | ${r.concurrency} | ${r.workers ?? 1} | ${step} | ${f2(s.p50)} | ${f2(s.p95)} | ${f2(s.p99)} | ${f2(s.max)} |`,
      );
    }
  }
}

/** The stores of the run and their versions, or why one was skipped. */
function stores(report) {
  const list = report.stores ?? [{ store: 'sqlite' }];
  return list
    .map((s) =>
      s.skipped
        ? `${s.store} skipped (${s.skipped})`
        : `${s.store}${s.version ? ` (${s.version}${s.store === 'sqlite' ? ', WAL, synchronous=NORMAL' : ', same machine'})` : ''}`,
    )
    .join(', ');
}

function targetLines(lines, targets) {
  lines.push('### Targets');
  lines.push('');
  lines.push('| target | goal | measured | met | note |');
  lines.push('|---|---:|---:|:---:|---|');
  for (const t of targets) {
    const met = t.met === true ? 'yes' : t.met === false ? '**no**' : 'not measured';
    const measured = t.measured === null ? '–' : `${t.measured.toFixed(t.measured >= 100 ? 0 : 2)} ${t.unit}`;
    lines.push(`| ${t.description} | ${t.target} ${t.unit} | ${measured} | ${met} | ${t.note} |`);
  }
  lines.push('');
}

function scalingLines(lines, scaling, skipped) {
  const series = Array.isArray(scaling) ? scaling : scaling ? [scaling] : [];
  if (!series.length && !skipped?.length) return;
  lines.push('### Scaling with the number of users');
  lines.push('');
  for (const s of skipped ?? []) lines.push(`- ${s.store}: skipped (${s.skipped})`);
  if (skipped?.length) lines.push('');
  for (const s of series) {
    lines.push(
      `${s.scenario} × ${s.concurrency} VUs on ${s.store}, ${s.driverUsers} driver users spread over the table; ` +
        `flows/s spread (max ÷ min − 1): **${f1(s.spreadPercent)} %** (target ≤ 10 %).`,
    );
    lines.push('');
    lines.push(
      '| users in store | flows/s | flow p99 ms | server CPU ms/flow | errors | seeding s (users added) | store MiB |',
    );
    lines.push('|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of s.points)
      lines.push(
        `| ${p.users.toLocaleString('en')} | ${f1(p.flowsPerSecond)} | ${f1(p.flowP99Ms)} | ${f2(p.serverCpuMsPerFlow)} | ` +
          `${p.errors} | ${f1(p.seedSeconds)} (${p.seededUsers.toLocaleString('en')}) | ${mib(p.dbBytes)} |`,
      );
    lines.push('');
  }
}

export function markdown(report) {
  const { machine: m, argon2: a, options: o } = report;
  const lines = [];
  lines.push(
    `## Gatehouse bench — ${report.startedAt}${o.quick ? ' (quick)' : ''}, set ${report.scenarioSet}`,
  );
  lines.push('');
  lines.push(
    `${m.cpuModel}, ${m.cores} cores, ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ` +
      `git ${m.gitSha?.slice(0, 10) ?? '?'}${m.gitDirty ? ' (dirty)' : ''}; stores: ${stores(report)}; ` +
      `${o.durationS} s measured after ${o.warmupS} s warm-up; ${o.users} users (+${o.users} for recovery); ` +
      `load generator on the same machine, 127.0.0.1 only; 1-min load average at start ${f2(report.loadAverage1mAtStart)}, ` +
      `at end ${f2(report.loadAverage1mAtEnd)}.`,
  );
  lines.push('');
  if (report.targets?.length) targetLines(lines, report.targets);
  if (report.idleRss?.length)
    lines.push(
      `Idle RSS of a fresh server (~2 s after its ready line, before any request): ${report.idleRss
        .map((x) => `${x.store} ${mib(x.bytes)} MiB`)
        .join(', ')}.`,
      '',
    );
  if (report.workers?.note) lines.push(`Workers variant: ${report.workers.note}.`, '');
  lines.push(`**Bench configuration** (\`${report.benchConfigFile}\`, passed with \`--config\`):`);
  for (const note of report.configNotes) lines.push(`- ${note}`);
  lines.push('');
  if (a) {
    lines.push(
      `argon2id m=${a.parameters.m} t=${a.parameters.t} p=${a.parameters.p}: ${f2(a.meanHashMs)} ms per hash ` +
        `(median ${f2(a.medianHashMs)}, ${a.hashes} sequential, other load ${f2(a.otherCoresWhileHashing)} cores; ` +
        `verify median ${f2(a.medianVerifyMs)}) → ` +
        `ceiling ${a.cores} cores ÷ ${f2(a.meanHashMs)} ms = **${f1(a.ceilingFlowsPerSecond)} password flows/s** ` +
        '(one verify per sign-in; a recovery costs one hash plus up to 1 + history verifies).',
    );
    lines.push('');
  }

  const flows = report.runs.filter((r) => r.kind === 'flow' && r.mode !== 'open-loop');
  if (flows.length) {
    lines.push('### Complete flows');
    lines.push('');
    lines.push(RUN_HEADER.replace('| server peak', '| % of argon2 ceiling | server peak'));
    lines.push(`${RUN_RULE}---:|`);
    for (const r of flows) {
      const pct = r.percentOfArgon2Ceiling === undefined ? '–' : `${f1(r.percentOfArgon2Ceiling)} %`;
      lines.push(runRow(r, { beforeRss: [pct] }));
    }
    lines.push('');
    lines.push('Per server step (ms, successful requests only; the mailbox read is not a step of the flow):');
    lines.push('');
    stepRows(lines, flows);
    const mail = flows.filter((r) => r.mailbox);
    if (mail.length) {
      lines.push('');
      lines.push(
        'Mailbox reads (`GET /dev/mailbox/api/messages?to=<address>&limit=1`, newest first, as a user would; ' +
          'ms; included in the flow time and in server CPU/flow, not in the step table):',
      );
      lines.push('');
      lines.push('| store | scenario | VUs | workers | reads | retries | p50 | p95 | p99 | max |');
      lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of mail)
        lines.push(
          `| ${storeOf(r)} | ${r.scenario} | ${r.concurrency} | ${r.workers ?? 1} | ${r.mailbox.reads} | ${r.mailbox.retries} | ${f2(r.mailbox.p50)} | ` +
            `${f2(r.mailbox.p95)} | ${f2(r.mailbox.p99)} | ${f2(r.mailbox.max)} |`,
        );
    }
    lines.push('');
  }

  const single = report.runs.filter((r) => r.kind === 'request');
  if (single.length) {
    lines.push('### Token endpoint, discovery and JWKS alone (one request = one "flow")');
    lines.push('');
    lines.push(RUN_HEADER.replace('| errors |', '| errors | prepared |'));
    lines.push(`${RUN_RULE}---:|`);
    for (const r of single) {
      const prepared = r.prepared
        ? `${r.prepared.what} ${r.prepared.count} in ${f1(r.prepared.seconds)} s`
        : '–';
      lines.push(runRow(r, { afterErrors: [prepared] }));
    }
    lines.push('');
  }

  const open = report.runs.filter((r) => r.mode === 'open-loop');
  if (open.length) {
    lines.push('### Open loop (fixed arrival rate, each flow timed from its scheduled start)');
    lines.push('');
    lines.push(
      '| store | scenario | offered/s | started/s | dropped | late | completed/s | errors | flow p50 / p99 ms | server CPU ms/flow | other load cores |',
    );
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|');
    for (const r of open)
      lines.push(
        `| ${storeOf(r)} | ${r.scenario} | ${r.arrivalRate} | ${f1(r.open.achievedRate)} | ${r.open.dropped} of ${r.open.scheduled} | ` +
          `${r.open.late} | ${f1(r.flowsPerSecond)} | ${r.errors} | ${f1(r.flow.p50)} / ${f1(r.flow.p99)} | ` +
          `${ms(r.serverCpuSecondsPerFlow)} | ${f2(r.otherCores)} |`,
      );
    lines.push('');
    lines.push('Per server step (ms):');
    lines.push('');
    stepRows(lines, open);
    lines.push('');
  }

  for (const p of report.cpuProfiles ?? []) {
    const cats = Object.keys(p.flow?.us ?? {});
    lines.push(
      `### CPU budget: ${p.scenario} on ${p.store}, ${p.concurrency} VU(s), main thread µs per request ` +
        `(profile ${f2((p.flow?.totalUs ?? 0) / 1000)} ms/flow, /proc ${ms(p.serverCpuSecondsPerFlow)} ms/flow)`,
    );
    lines.push('');
    lines.push(`| step | ${cats.join(' | ')} | total |`);
    lines.push(`|---|${cats.map(() => '---:').join('|')}|---:|`);
    const row = (name, x) =>
      lines.push(
        `| ${name} | ${cats.map((c) => Math.round(x.us[c])).join(' | ')} | ${Math.round(x.totalUs)} |`,
      );
    for (const st of p.steps) row(st.step, st);
    if (p.between) row('between requests (per flow)', p.between);
    if (p.flow) row('whole flow', p.flow);
    lines.push('');
  }

  for (const c of report.workersComparisons ?? []) {
    lines.push(
      `Workers, ${c.store} ${c.scenario} × ${c.concurrency} VUs: ${f1(c.one.flowsPerSecond)} → ${f1(c.many.flowsPerSecond)} flows/s ` +
        `with ${c.many.workers} workers (**${f2(c.ratio)}×**); CPU per flow server + database + generator ` +
        `${f2(c.one.totalMsPerFlow)} → ${f2(c.many.totalMsPerFlow)} ms, ceiling ${c.cores} cores ÷ that = ` +
        `${f1(c.one.ceilingFlowsPerSecond)} → ${f1(c.many.ceilingFlowsPerSecond)} flows/s.`,
    );
    lines.push('');
  }

  for (const p of report.peers ?? []) {
    lines.push(`### Gatehouse vs ${p.peer} ${p.peerVersion ?? ''}: ${p.what}`);
    lines.push('');
    if (p.skipped) {
      lines.push(`Skipped: ${p.skipped}`);
      lines.push('');
      continue;
    }
    for (const note of p.notes) lines.push(`- ${note}`);
    lines.push('');
    lines.push(
      '| pair | order | Gatehouse ops/s | peer ops/s | **Gatehouse ÷ peer** | Gatehouse CPU ms/op | peer CPU ms/op | CPU ratio | ' +
        'Gatehouse p50 / p99 ms | peer p50 / p99 ms | errors G / P | other load cores G / P |',
    );
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|---|');
    for (const pair of p.pairs) {
      const g = pair.gatehouse;
      const q = pair.peer;
      lines.push(
        `| ${pair.pair + 1} | ${pair.order} | ${f1(g.flowsPerSecond)} | ${f1(q.flowsPerSecond)} | ${f2(pair.ratio)} | ` +
          `${ms(g.serverCpuSecondsPerFlow)} | ${ms(q.serverCpuSecondsPerFlow)} | ${f2(pair.cpuRatio)} | ` +
          `${f1(g.flow.p50)} / ${f1(g.flow.p99)} | ${f1(q.flow.p50)} / ${f1(q.flow.p99)} | ${g.errors} / ${q.errors} | ` +
          `${f2(g.otherCores)} / ${f2(q.otherCores)} |`,
      );
    }
    lines.push('');
    lines.push(
      `Throughput Gatehouse ÷ ${p.peer}: median ${range(p.ratio)} over ${p.ratio?.n ?? 0} pairs ` +
        `(> 1: Gatehouse completes more per second). Server CPU per operation, Gatehouse ÷ ${p.peer}: ` +
        `median ${range(p.cpuRatio)} (> 1: Gatehouse spends more CPU per operation). ` +
        `Peak RSS: Gatehouse ${mib(p.gatehousePeakRssBytes)} MiB, ${p.peer} ${mib(p.peerPeakRssBytes)} MiB.`,
    );
    if (p.mailbox)
      lines.push(
        `Mailbox read p50 / p99 ms: Gatehouse ${f2(p.mailbox.gatehouse?.p50)} / ${f2(p.mailbox.gatehouse?.p99)}, ` +
          `${p.peer} ${f2(p.mailbox.peer?.p50)} / ${f2(p.mailbox.peer?.p99)} (last pair).`,
      );
    lines.push('');
  }

  scalingLines(lines, report.scaling, report.scalingSkipped);

  const scalingRuns = (
    Array.isArray(report.scaling) ? report.scaling : report.scaling ? [report.scaling] : []
  ).flatMap((s) => s.runs ?? []);
  const failed = [
    ...report.runs,
    ...scalingRuns,
    ...(report.peers ?? []).flatMap((p) => (p.pairs ?? []).flatMap((x) => [x.gatehouse, x.peer])),
  ].filter((r) => r && (r.errors > 0 || r.warmup?.errors > 0));
  if (failed.length) {
    lines.push('Errors:');
    for (const r of failed)
      lines.push(
        `- ${storeOf(r)} ${r.scenario} × ${r.concurrency}${r.scaling ? ` at ${r.usersInStore} users` : ''}: ${r.errors} (warm-up ${r.warmup?.errors ?? 0}) ${JSON.stringify(r.errorsByStep)}; ` +
          `first: ${r.errorSamples[0] ?? r.warmup?.firstError ?? '?'}`,
      );
  }
  return lines.join('\n');
}
