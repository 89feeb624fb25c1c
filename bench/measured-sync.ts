// Runs sync.ts in this process and, at exit, reports the process's own CPU time and peak memory
// on stderr (a line starting with BENCH-RESOURCES), for the benchmark.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(2, `BENCH-RESOURCES ${JSON.stringify({ cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000), maxRssMB: Math.round(usage.maxRSS / 1024) })}\n`);
});

await import('../sync.ts');
