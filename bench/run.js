'use strict';
/*
 * `npm run bench`: every figure next to a baseline measured in the same run on the same machine, as a
 * ratio. Scenarios: `node bench/run.js [health] [startup] [models] [predict] …` (default: all).
 */
const { startPlatform, startScript, compare, rssMb, median } = require('./lib');

const scenarios = {
  async startup() {
    const times = [];
    const rss = [];
    for (let i = 0; i < 5; i += 1) {
      const p = await startPlatform();
      times.push(p.startupMs);
      await new Promise((r) => setTimeout(r, 1500));
      rss.push(rssMb(p.child.pid));
      await p.stop();
    }
    const t = median(times);
    const r = median(rss);
    console.log(
      `start to first answer (built, SQLite file): median ${t.toFixed(0)} ms over 5 starts (target < 2000 ms: ${t < 2000 ? 'PASS' : 'FAIL'})`,
    );
    console.log(`idle RSS after start: median ${r.toFixed(0)} MB (target < 150 MB: ${r < 150 ? 'PASS' : 'FAIL'})`);
  },

  async health() {
    const platform = await startPlatform();
    const bare = await startScript('bare-json-server.js');
    try {
      await compare('GET /health', { url: `${bare.url}/health` }, { url: `${platform.url}/health` }, { target: 0.7 });
    } finally {
      await platform.stop();
      await bare.stop();
    }
  },
};

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(scenarios);
  for (const name of names) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    console.log(`\n## ${name}`);
    await scenario();
  }
}

module.exports = { scenarios };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
