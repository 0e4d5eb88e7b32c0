// One Kue worker process, concurrency 1, on COUNT queued no-op jobs: prints JSON
// {"start": t0, "end": t1} (Unix seconds) once the COUNT jobs are complete.
const queue = require('./common').queue();

const count = Number(process.argv[2]);
const start = Date.now() / 1000;
queue.process('noop', (job, done) => done());
const check = setInterval(() => {
  queue.completeCount('noop', (err, total) => {
    if (!err && total >= count) {
      clearInterval(check);
      console.log(JSON.stringify({ start, end: Date.now() / 1000 }));
      process.exit(0);
    }
  });
}, 5);
