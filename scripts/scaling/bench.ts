/**
 * `npm run bench:scaling`: the grid of `grid.ts` through the deployed ScaledJob and its alternatives
 * on a virtual clock, as a Markdown table (jobs started, extra jobs, drain time per cell, the worst
 * over every arrival of the burst within the polling interval), then one job killed holding its
 * message. Runs in well under a second; nothing is started.
 */
import {
  BURSTS,
  candidates,
  gridTiming,
  runGrid,
  START_DELAYS,
  type Candidate,
  type CellOutcome,
} from "./grid";
import { simulateBurst } from "./simulate";

function cell(o: CellOutcome): string {
  const extra = o.jobsStarted - o.uploads;
  const drain = Number.isFinite(o.drainSeconds) ? `${o.drainSeconds.toFixed(1)} s` : "never";
  return `${o.jobsStarted} / ${extra > 0 ? `**+${extra}**` : "0"} / ${drain}`;
}

/** The grid as a Markdown table, one column per candidate. */
export function gridTable(list: readonly Candidate[]): string {
  const results = list.map((c) => runGrid(c.rules));
  const header = `| uploads | start delay | ${list.map((c) => c.name).join(" | ")} |`;
  const rule = `|---:|---:|${list.map(() => "---|").join("")}`;
  const rows = BURSTS.flatMap((uploads, b) =>
    START_DELAYS.map((delay, d) => {
      const i = b * START_DELAYS.length + d;
      return `| ${uploads} | ${delay} s | ${results.map((r) => cell(r[i] as CellOutcome)).join(" | ")} |`;
    }),
  );
  return [header, rule, ...rows].join("\n");
}

/** Jobs started when the first job is killed holding its message, per candidate. */
export function crashTable(list: readonly Candidate[], uploads = 6): string {
  const visibilityTimeoutSeconds = 900;
  const rows = list.map((c) => {
    const o = simulateBurst(c.rules, {
      uploads,
      arrivalOffsetSeconds: 0,
      timing: gridTiming(0),
      crashFirstHolder: { visibilityTimeoutSeconds },
    });
    return `| ${c.name} | ${o.jobsStarted} | ${o.emptyJobs} | ${o.drainSeconds.toFixed(1)} s |`;
  });
  return [
    `${uploads} uploads; the first job is killed holding its message, which reappears after the ` +
      `${visibilityTimeoutSeconds} s visibility timeout:`,
    "",
    "| configuration | jobs started | jobs that found nothing | drain |",
    "|---|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

function main(): void {
  const list = candidates();
  const [deployed] = list;
  const r = deployed?.rules;
  const t = gridTiming(0);
  process.stdout.write(
    [
      "# ScaledJob bursts (virtual clock, KEDA 2.20's formulas from k8s/scaling)",
      "",
      `deployed: strategy ${r?.scalingStrategy}, scaleOnInFlight ${r?.scaleOnInFlight}, ` +
        `pendingPodConditions [${r?.pendingPodConditions.join(", ")}], ready when holding its ` +
        `message ${r?.readyWhenHoldingMessage}, ${r?.queueLength} message per job, max ` +
        `${r?.maxReplicaCount} jobs, polling every ${r?.pollingInterval} s`,
      `pods: boot ${t.bootSeconds} s to the first receive, ${t.processSeconds} s per file, exit ` +
        `${t.exitSeconds} s, empty long poll ${t.waitTimeSeconds} s, readiness probe every ` +
        `${t.probePeriodSeconds} s`,
      "",
      "Each cell: jobs started / extra jobs / drain (upload → last message deleted), the worst " +
        "over 10 arrivals of the burst within the polling interval.",
      "",
      gridTable(list),
      "",
      crashTable(list),
      "",
    ].join("\n"),
  );
}

if (require.main === module) main();
