// Task 6's creator: one job, its outcome, then exit.
const queue = require('./common').queue();

const job = queue.create('push_notification_code', {
  phoneNumber: '4153518780', message: 'This is the code to verify your account',
}).save((err) => { if (!err) console.log(`Notification job created: ${job.id}`); });
job.on('complete', () => { console.log('Notification job completed'); process.exit(0); });
job.on('failed', () => { console.log('Notification job failed'); process.exit(0); });
