// The curriculum's files, written from its task descriptions, for the benchmark only:
// each takes REDIS_URL and the counts it needs from its arguments.
const kue = require('kue');

module.exports.queue = () => kue.createQueue({ redis: process.env.REDIS_URL });
