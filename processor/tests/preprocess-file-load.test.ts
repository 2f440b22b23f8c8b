/**
 * `processor preprocess-file` starts as a fresh process for every file: it loads only what it
 * runs. Neither the AWS SDK nor zod (the contract index's environment schemas, about 40 ms to load)
 * is on its path.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

test("loading the preprocess-file command loads neither zod nor the AWS SDK", () => {
  const entry = join(__dirname, "..", "src", "preprocess", "file-command.ts");
  const code = `require(${JSON.stringify(entry)});
const loaded = Object.keys(require.cache).filter((p) => /node_modules[\\\\/](zod|@aws-sdk)[\\\\/]/.test(p));
process.stdout.write(JSON.stringify({ total: Object.keys(require.cache).length, loaded }));`;
  const out = execFileSync(process.execPath, ["-r", require.resolve("tsx/cjs"), "-e", code], {
    encoding: "utf8",
  });
  const { total, loaded } = JSON.parse(out) as { total: number; loaded: string[] };
  // The command's own modules did load (the check would pass vacuously otherwise).
  expect(total).toBeGreaterThan(20);
  expect(loaded).toEqual([]);
});
