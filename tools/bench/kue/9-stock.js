// Task 9 on Express and node's redis client (the curriculum's, with its race).
const express = require('express');
const redis = require('redis');
const { promisify } = require('util');

const listProducts = [
  { itemId: 1, itemName: 'Suitcase 250', price: 50, initialAvailableQuantity: 4 },
  { itemId: 2, itemName: 'Suitcase 450', price: 100, initialAvailableQuantity: 10 },
  { itemId: 3, itemName: 'Suitcase 650', price: 350, initialAvailableQuantity: 2 },
  { itemId: 4, itemName: 'Suitcase 1050', price: 550, initialAvailableQuantity: 5 },
];
const client = redis.createClient({ url: process.env.REDIS_URL });
const get = promisify(client.get).bind(client);
const getItemById = (id) => listProducts.find((item) => item.itemId === id);
const reserveStockById = (itemId, stock) => client.set(`item.${itemId}`, stock);
const getCurrentReservedStockById = async (itemId) => Number(await get(`item.${itemId}`) || 0);

const app = express();
app.get('/list_products', (req, res) => res.json(listProducts));
app.get('/list_products/:itemId', async (req, res) => {
  const item = getItemById(Number(req.params.itemId));
  if (!item) { res.json({ status: 'Product not found' }); return; }
  const reserved = await getCurrentReservedStockById(item.itemId);
  res.json({ ...item, currentQuantity: item.initialAvailableQuantity - reserved });
});
app.get('/reserve_product/:itemId', async (req, res) => {
  const item = getItemById(Number(req.params.itemId));
  if (!item) { res.json({ status: 'Product not found' }); return; }
  const reserved = await getCurrentReservedStockById(item.itemId);
  if (reserved >= item.initialAvailableQuantity) {
    res.json({ status: 'Not enough stock available', itemId: item.itemId });
    return;
  }
  reserveStockById(item.itemId, reserved + 1);
  res.json({ status: 'Reservation confirmed', itemId: item.itemId });
});
app.listen(Number(process.env.PORT || 1245), '127.0.0.1');
