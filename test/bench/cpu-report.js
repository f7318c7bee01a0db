// Preloaded into every benchmarked synth (`node -r ./test/bench/cpu-report.js ...`): writes the CPU time (user +
// system) of the process, all its threads and the child processes it waited for (cfn-guard, NodejsFunction's
// esbuild) to BENCH_CPU_FILE at exit. CPU time barely moves when other work shares the machine, so ratios of CPU
// time stay meaningful where wall times do not. Linux reports the children in /proc/self/stat (utime, stime,
// cutime, cstime, in clock ticks of 1/100 s); elsewhere only the process itself is counted.
const fs = require('fs');
const file = process.env.BENCH_CPU_FILE;

function cpuMs() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]) * 10, 0);
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
}

if (file) {
  process.on('exit', () => fs.writeFileSync(file, String(cpuMs())));
}
