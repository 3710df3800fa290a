// What every contract check script shares: the base URL argument, named checks that stop at the first failure, and
// the report that CI reads ("N checks passed", exit code 1 otherwise).

export const passed = [];

/** The base URL the script was given, or a usage message and exit code 2. */
export function baseUrlArgument(script, what) {
  const url = process.argv[2];
  if (!url) {
    console.error(`usage: node ${script} <${what}>`);
    process.exit(2);
  }

  return url;
}

/** Records a passing check, or throws naming it with the detail that shows why it failed. */
export function check(name, condition, detail) {
  if (!condition) {
    throw new Error(`${name} failed${detail === undefined ? '' : ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`);
  }

  passed.push(name);
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Runs the checks and reports: the count on success; the failure, its stack and the count before it otherwise. */
export async function report(body, cleanUp = () => {}) {
  try {
    await body();
    console.log(`${passed.length} checks passed`);
  } catch (error) {
    console.error(error.stack ?? String(error));
    console.error(`after ${passed.length} passing checks`);
    process.exitCode = 1;
  } finally {
    cleanUp();
  }
}
