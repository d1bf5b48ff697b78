// Run first by `npm test`: stops with one clear message when the server
// binary, MONGODB_URI or Chromium is missing, instead of failing later.
import { preflightProblems } from './support/env.ts';

const problems = preflightProblems();
if (problems.length > 0) {
  console.error('npm test cannot run the end-to-end tests:');
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
