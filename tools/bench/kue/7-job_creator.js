// Task 7's creator: the eleven jobs (or COUNT of them, cycling), their events, then exit.
const queue = require('./common').queue();

const jobs = [
  ['4153518780', '1234'], ['4153518781', '4562'], ['4153518743', '4321'],
  ['4153538781', '4562'], ['4153118782', '4321'], ['4153718781', '4562'],
  ['4159518782', '4321'], ['4158718781', '4562'], ['4153818782', '4321'],
  ['4154318781', '4562'], ['4151218782', '4321'],
].map(([phoneNumber, code]) => ({
  phoneNumber, message: `This is the code ${code} to verify your account`,
}));
const count = Number(process.argv[2] || jobs.length);
const quiet = process.argv[3] === 'quiet';
let ended = 0;
const say = (line) => { if (!quiet) console.log(line); };
const end = () => { ended += 1; if (ended === count) process.exit(0); };
for (let i = 0; i < count; i += 1) {
  const job = queue.create('push_notification_code_2', jobs[i % jobs.length]);
  job.save((err) => { if (!err) say(`Notification job created: ${job.id}`); });
  job.on('complete', () => { say(`Notification job ${job.id} completed`); end(); });
  job.on('failed', (err) => { say(`Notification job ${job.id} failed: ${err}`); end(); });
  job.on('progress', (progress) => { say(`Notification job ${job.id} ${progress}% complete`); });
}
