// Run as a separate Node process (jest has its own module registry): reports whether danfojs'
// heavy dependencies are still stand-ins after the DataFrame step, and whether they work when used.
import { types } from "node:util";
import { loadDanfo, transformChunk } from "../../src/preprocess/transform";

const standIns = () =>
  Object.entries(require.cache)
    .filter(([path]) => /[\\/](mathjs|tfjs-node|table)[\\/]/.test(path))
    .filter(([, m]) => m !== undefined && types.isProxy(m.exports))
    .map(([path]) =>
      /[\\/]table[\\/]/.test(path) ? "table" : path.includes("mathjs") ? "mathjs" : "tfjs",
    )
    .sort();

const out = transformChunk(
  {
    rows: [
      [30, NaN, "HR"],
      [NaN, 60000, null],
    ],
  },
  { age: 40, salary: 50000, department: "Unknown" },
);
const afterStep = standIns();
const { DataFrame } = loadDanfo();
const frame = new DataFrame({ a: [1, 2, 3, 10] });
const median = frame.median({ axis: 0 }).values;
const afterMedian = standIns();
// Printing a frame is what needs `table`: it loads then and draws the frame.
const printed = frame.toString().includes("10");
process.stdout.write(
  `${JSON.stringify({ afterStep, step: out.ageGroup, median, afterMedian, printed, afterPrint: standIns() })}\n`,
);
