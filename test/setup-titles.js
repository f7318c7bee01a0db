// Fails any test whose title still shows a test.each placeholder it did not fill: `NaN` (a %d/%i given a
// string), an unreplaced `%s`-style placeholder, or `$name` for a key the row does not have. Such titles
// are wrong in every report; this makes them impossible to land. (Runs before each test, see jest.config.js.)
const BROKEN_TITLE = /\bNaN\b|%[sdifjoOp#]|\$[A-Za-z_]\w*/;

beforeEach(() => {
  const title = expect.getState().currentTestName ?? '';
  const broken = BROKEN_TITLE.exec(title);
  if (broken) {
    throw new Error(`test title "${title}" shows "${broken[0]}": fix the test.each placeholders (use $key with object rows, or %s per value)`);
  }
});
