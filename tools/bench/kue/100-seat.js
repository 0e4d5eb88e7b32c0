// Task 100 on Express and Kue: 50 seats, /reserve_seat queues, /process consumes.
const express = require('express');
const redis = require('redis');
const { promisify } = require('util');
const queue = require('./common').queue();

const client = redis.createClient({ url: process.env.REDIS_URL });
const get = promisify(client.get).bind(client);
let reservationEnabled = true;
const reserveSeat = (number) => client.set('available_seats', number);
const getCurrentAvailableSeats = async () => Number(await get('available_seats'));
reserveSeat(50);

const app = express();
app.get('/available_seats', async (req, res) => {
  res.json({ numberOfAvailableSeats: String(await getCurrentAvailableSeats()) });
});
app.get('/reserve_seat', (req, res) => {
  if (!reservationEnabled) { res.json({ status: 'Reservation are blocked' }); return; }
  const job = queue.create('reserve_seat', {}).save((err) => {
    res.json({ status: err ? 'Reservation failed' : 'Reservation in process' });
  });
  job.on('complete', () => console.log(`Seat reservation job ${job.id} completed`));
  job.on('failed', (err) => console.log(`Seat reservation job ${job.id} failed: ${err}`));
});
app.get('/process', (req, res) => {
  queue.process('reserve_seat', async (job, done) => {
    const seats = await getCurrentAvailableSeats();
    if (seats <= 0) { done(new Error('Not enough seats available')); return; }
    await reserveSeat(seats - 1);
    if (seats - 1 === 0) reservationEnabled = false;
    done();
  });
  res.json({ status: 'Queue processing' });
});
app.listen(Number(process.env.PORT || 1245), '127.0.0.1');
