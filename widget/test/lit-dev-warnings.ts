/**
 * The widget tests run Lit's development build (web-test-runner resolves the `development`
 * export condition). Its warnings name mistakes the production build tolerates silently,
 * such as `change-in-update` (state set in `updated()`, costing a second render). Imported
 * by every test file that renders Lit, this module fails the test during which Lit warned.
 */
const warnings: string[] = [];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  // Every Lit warning links its explanation; `dev-mode` only says that this build is the dev one.
  if (/lit\.dev\/msg\/(?!dev-mode)/.test(text)) warnings.push(text);
  warn(...args);
};

afterEach(function failOnLitWarning() {
  // Lit warns once per page for each message; forgetting them lets the next test that makes
  // the same mistake fail too.
  (globalThis as { litIssuedWarnings?: Set<string> }).litIssuedWarnings?.clear();
  if (warnings.length) {
    const found = warnings.splice(0).join('\n');
    throw new Error(`Lit warned during "${this.currentTest?.fullTitle()}":\n${found}`);
  }
});
