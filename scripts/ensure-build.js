// `npm start` on a fresh clone: build once if dist/ is missing or older than the sources.
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main) || statSync(main).mtimeMs < newest(join(__dirname, '..', 'src'))) {
  execSync('npx nest build', { stdio: 'inherit', cwd: join(__dirname, '..') });
}
