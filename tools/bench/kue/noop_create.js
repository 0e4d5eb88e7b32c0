// Queue COUNT no-op Kue jobs, then exit.
const queue = require('./common').queue();

const count = Number(process.argv[2]);
let saved = 0;
for (let i = 0; i < count; i += 1) {
  queue.create('noop', {}).save(() => { saved += 1; if (saved === count) process.exit(0); });
}
