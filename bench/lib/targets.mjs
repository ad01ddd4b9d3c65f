// The targets of issue #8, checked against one bench result. No test asserts a time: the bench
// reports each target as met (true), missed (false) or not measured in this run (null, with why).

const SQLITE = 'sqlite';
const finite = (n) => typeof n === 'number' && Number.isFinite(n);
const storeOf = (r) => r.store ?? SQLITE;
const workersOf = (r) => r.workers ?? 1;
const clean = (r) => r.errors === 0 && r.flows > 0;
const label = (r) => `${r.concurrency} VUs${workersOf(r) > 1 ? `, ${workersOf(r)} workers` : ''}`;
const bestBy = (runs, value) =>
  runs
    .filter((r) => finite(value(r)))
    .reduce((best, r) => (!best || value(r) > value(best) ? r : best), null);

/** A target; `higher`: the measured value must be at least the target, else at most. */
function target(id, description, goal, unit, measured, higher, note) {
  const met = finite(measured) ? (higher ? measured >= goal : measured <= goal) : null;
  return { id, description, target: goal, measured: finite(measured) ? measured : null, unit, met, note };
}

/** Scaling series as a list (the result holds one object, or an array when there are several). */
export function scalingList(scaling) {
  if (!scaling) return [];
  return Array.isArray(scaling) ? scaling : [scaling];
}

/** (max ÷ min − 1) in percent over the flows/s of a scaling series' points. */
export function spreadPercent(points) {
  const rates = points.map((p) => p.flowsPerSecond).filter((v) => finite(v) && v > 0);
  if (rates.length < 2) return null;
  return (Math.max(...rates) / Math.min(...rates) - 1) * 100;
}

/**
 * @param {{ runs?: any[], peers?: any[], scaling?: any, idleRss?: Array<{ store: string, bytes: number }>,
 *   argon2?: any, machine?: { cores?: number }, quick?: boolean, stores?: Array<{ store: string, skipped?: string }> }} result
 */
export function computeTargets(result) {
  const runs = result.runs ?? [];
  const cores = result.machine?.cores;
  const onCores = finite(cores) && cores !== 2 ? ` Measured on ${cores} cores, the target is for 2.` : '';
  const targets = [];

  // 1. Email-OTP throughput on the embedded store.
  const email = runs.filter((r) => r.kind === 'flow' && r.scenario === 'email-otp' && storeOf(r) === SQLITE);
  const bestEmail = bestBy(email.filter(clean), (r) => r.flowsPerSecond);
  targets.push(
    target(
      'email-otp-throughput',
      'Email-OTP sign-in, complete flows/s (embedded store, 2 cores)',
      600,
      'flows/s',
      bestEmail?.flowsPerSecond,
      true,
      bestEmail
        ? `Best of ${email.length} email-otp run(s) on SQLite without errors: ${label(bestEmail)}.${onCores}`
        : 'No email-otp run on the embedded store completed without errors in this run.',
    ),
  );

  // 2. p99 step latency at 100 concurrent flows.
  const at100 = email.find((r) => r.concurrency === 100 && workersOf(r) === 1);
  const worst = at100
    ? Object.entries(at100.steps ?? {}).reduce(
        (w, [step, s]) => (!w || s.p99 > w.p99 ? { step, p99: s.p99 } : w),
        null,
      )
    : null;
  const at100w = email.find((r) => r.concurrency === 100 && workersOf(r) > 1);
  const worstW = at100w ? Math.max(...Object.values(at100w.steps ?? {}).map((s) => s.p99)) : null;
  targets.push(
    target(
      'email-otp-p99-step-100',
      'Email-OTP p99 step latency at 100 concurrent flows (embedded store)',
      50,
      'ms',
      worst?.p99,
      false,
      at100
        ? `Slowest step's p99 (${worst?.step}) of the email-otp run at 100 VUs, 1 server process` +
            (finite(worstW) ? `; with ${workersOf(at100w)} workers: ${worstW.toFixed(1)} ms.` : '.') +
            (at100.errors ? ` That run had ${at100.errors} errors.` : '')
        : 'No email-otp run at 100 VUs on the embedded store in this run.',
    ),
  );

  // 3–4. Peers: median Gatehouse ÷ peer throughput over the ABBA pairs.
  for (const [peer, id, description, goal] of [
    [
      'oidc-provider',
      'token-exchange-vs-oidc-provider',
      "Token exchange vs oidc-provider's code exchange",
      1.5,
    ],
    ['better-auth', 'email-otp-vs-better-auth', 'Email sign-in vs better-auth email-otp', 2],
  ]) {
    const p = (result.peers ?? []).find((x) => x.peer === peer);
    const ratio = p?.ratio;
    targets.push({
      ...target(
        id,
        description,
        goal,
        `× ${peer}`,
        p && !p.skipped ? ratio?.median : null,
        true,
        !p
          ? 'The peer comparison was not selected in this run.'
          : p.skipped
            ? `Skipped: ${p.skipped}`
            : `Median Gatehouse ÷ ${peer} throughput over ${ratio?.n ?? 0} ABBA pairs ` +
              `[${ratio?.min?.toFixed(2)}–${ratio?.max?.toFixed(2)}].`,
      ),
      peer,
    });
  }

  // 5. Password sign-in against the argon2id ceiling.
  const password = runs.filter(
    (r) =>
      r.kind === 'flow' && r.scenario === 'password-one-step' && storeOf(r) === SQLITE && workersOf(r) === 1,
  );
  const bestPassword = bestBy(password.filter(clean), (r) => r.percentOfArgon2Ceiling);
  const bestIdFirst = bestBy(
    runs.filter(
      (r) =>
        r.kind === 'flow' && r.scenario === 'password-identifier-first' && storeOf(r) === SQLITE && clean(r),
    ),
    (r) => r.percentOfArgon2Ceiling,
  );
  targets.push(
    target(
      'password-vs-argon2-ceiling',
      'Password sign-in (one step) vs the argon2id ceiling (embedded store)',
      90,
      '% of ceiling',
      bestPassword?.percentOfArgon2Ceiling,
      true,
      bestPassword
        ? `Best password-one-step run: ${bestPassword.flowsPerSecond.toFixed(1)} flows/s at ${label(bestPassword)}; ` +
            `ceiling ${result.argon2?.ceilingFlowsPerSecond?.toFixed(1)} flows/s.` +
            (bestIdFirst ? ` Identifier-first: ${bestIdFirst.percentOfArgon2Ceiling.toFixed(1)} %.` : '')
        : 'No password-one-step run on the embedded store (with the argon2id ceiling) in this run.',
    ),
  );

  // 6. Flows/s flat between 1 k and 1 M users.
  const series = scalingList(result.scaling);
  const scaling =
    series.find((s) => s.scenario === 'email-otp' && (s.store ?? SQLITE) === SQLITE) ??
    series.find((s) => s.scenario === 'email-otp');
  const sizes = scaling?.points?.map((p) => p.users) ?? [];
  const spanned = sizes.length > 1 && Math.min(...sizes) <= 1000 && Math.max(...sizes) >= 1_000_000;
  const spread = scaling ? (scaling.spreadPercent ?? spreadPercent(scaling.points)) : null;
  const scalingTarget = target(
    'scaling-spread',
    'Email-OTP flows/s within 10 % between 1 k and 1 M users',
    10,
    '%',
    spread,
    false,
    !scaling
      ? 'No scaling run in this run.'
      : `(max ÷ min − 1) of flows/s at ${scaling.concurrency} VUs on ${scaling.store ?? SQLITE} over ` +
          `${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} users.` +
          (spanned ? '' : ' Not judged: the run did not span 1 k to 1 M users.'),
  );
  if (!spanned) scalingTarget.met = null;
  targets.push(scalingTarget);

  // 7. Idle RSS of a fresh server.
  const idle = result.idleRss ?? [];
  const idleSqlite = idle.find((x) => x.store === SQLITE);
  const others = idle.filter((x) => x.store !== SQLITE);
  targets.push(
    target(
      'idle-rss',
      'Idle RSS of a started server (embedded store)',
      120,
      'MB',
      idleSqlite ? idleSqlite.bytes / 1e6 : null,
      false,
      idleSqlite
        ? `VmRSS ~2 s after the ready line, before any request (MB = 10⁶ bytes; ${(idleSqlite.bytes / 2 ** 20).toFixed(1)} MiB).` +
            others.map((x) => ` ${x.store}: ${(x.bytes / 1e6).toFixed(1)} MB.`).join('')
        : 'No idle measurement on the embedded store in this run.',
    ),
  );
  return targets;
}
