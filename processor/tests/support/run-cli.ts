// Runs the processor CLI from source in this very process (`node --import tsx run-cli.ts <command>`),
// so tests can signal it directly and never run a stale build.
import { main } from "../../src/cli";

void main(process.argv.slice(2));
