#!/usr/bin/env node
// The image and `npx processor` run the compiled CLI; `npm ci` builds it through the root `prepare`.
require("../dist/cli.js").main(process.argv.slice(2));
