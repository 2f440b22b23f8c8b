/** The processor's command-line entry: `processor <command>` (commands are added by their modules). */
export async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  process.stderr.write(`processor: unknown command ${JSON.stringify(command ?? "")}\n`);
  process.exitCode = 2;
}
