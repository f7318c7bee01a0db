// Preloaded into every benchmarked synth (`node -r ./test/bench/cpu-report.js ...`): writes the process's own
// CPU time (user + system, all threads) to BENCH_CPU_FILE at exit. CPU time barely moves when other work
// shares the machine, so ratios of CPU time stay meaningful where wall times do not.
const fs = require('fs');
const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    fs.writeFileSync(file, String((user + system) / 1000));
  });
}
