// The official Anthropic npm client, unchanged, against `batchai emulator`: it creates, retrieves, lists (both ways),
// cancels and deletes message batches and streams their results from the absolute results_url, authenticating both
// ways the real API takes (x-api-key, and Authorization: Bearer with the newer anthropic-version recent clients send).
// Usage: node check-anthropic.mjs http://127.0.0.1:PORT        Exit code 0 when every check passes.
import Anthropic from '@anthropic-ai/sdk';
import { readFileSync } from 'node:fs';
import { baseUrlArgument, check, report, sleep } from './checks.mjs';

const baseURL = baseUrlArgument('check-anthropic.mjs', 'origin');
const triage = JSON.parse(readFileSync(new URL('../../src/BatchAI.Cli/samples/ticket-triage.schema.json', import.meta.url), 'utf8'));
const batchFields = ['id', 'type', 'processing_status', 'request_counts', 'ended_at', 'created_at', 'expires_at', 'cancel_initiated_at', 'archived_at', 'results_url'];

function isBatch(name, batch) {
  check(`${name}: every MessageBatch field is present`, batchFields.every(f => f in batch), Object.keys(batch));
  check(`${name}: all five request counts`, ['processing', 'succeeded', 'errored', 'canceled', 'expired'].every(k => Number.isInteger(batch.request_counts[k])), batch.request_counts);
}

async function run(client, label) {
  const requests = [
    { custom_id: 'plain-1', params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }] } },
    { custom_id: 'plain-2', params: { model: 'claude-haiku-4-5', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: 'Zoë says "hi", 你好' }] } },
    ...[1, 2, 3].map(i => ({ custom_id: `triage-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 400, messages: [{ role: 'user', content: `Ticket ${i}` }], output_config: { format: { type: 'json_schema', schema: triage } } } })),
    { custom_id: 'bad-temperature', params: { model: 'claude-haiku-4-5', max_tokens: 10, temperature: 1.7, messages: [{ role: 'user', content: 'x' }] } },
  ];

  const created = await client.messages.batches.create({ requests });
  isBatch(`${label} create`, created);
  check(`${label} create answers in_progress`, created.processing_status === 'in_progress' && created.request_counts.processing === requests.length, created);

  let batch = created;
  for (let i = 0; i < 100 && batch.processing_status !== 'ended'; i++) {
    await sleep(100);
    batch = await client.messages.batches.retrieve(created.id);
  }

  isBatch(`${label} retrieve`, batch);
  check(`${label} ends with counts`, batch.processing_status === 'ended' && batch.request_counts.succeeded === 5 && batch.request_counts.errored === 1, batch.request_counts);
  check(`${label} results_url is absolute at the emulator`, batch.results_url.startsWith(baseURL + '/'), batch.results_url);

  const results = [];
  for await (const line of await client.messages.batches.results(created.id)) results.push(line);
  check(`${label} one result per request`, results.length === requests.length && new Set(results.map(r => r.custom_id)).size === requests.length);
  const byId = Object.fromEntries(results.map(r => [r.custom_id, r.result]));
  check(`${label} succeeded message shape`, byId['plain-1'].type === 'succeeded' && byId['plain-1'].message.content[0].type === 'text' && byId['plain-1'].message.usage.input_tokens > 0, byId['plain-1']);
  for (const i of [1, 2, 3]) {
    const answer = JSON.parse(byId[`triage-${i}`].message.content[0].text);
    check(`${label} structured answer ${i} follows the schema's required fields`, triage.required.every(k => k in answer), answer);
  }
  check(`${label} a bad request ends errored with the error envelope`, byId['bad-temperature'].type === 'errored' && byId['bad-temperature'].error.type === 'error' && byId['bad-temperature'].error.error.type === 'invalid_request_error', byId['bad-temperature']);

  const slow = await client.messages.batches.create({ requests: [requests[0]] });
  const canceling = await client.messages.batches.cancel(slow.id);
  check(`${label} cancel answers canceling or ended`, ['canceling', 'ended'].includes(canceling.processing_status) && canceling.cancel_initiated_at !== null, canceling);

  const seen = [];
  for await (const item of client.messages.batches.list({ limit: 1 })) seen.push(item.id);
  check(`${label} list pages through every batch, newest first`, seen.includes(created.id) && seen.includes(slow.id) && seen.indexOf(slow.id) < seen.indexOf(created.id), seen);

  const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
  check(`${label} a synchronous message answers with text and usage`, message.type === 'message' && message.content[0].type === 'text' && message.usage.input_tokens > 0, message);
  const count = await client.messages.countTokens({ model: 'claude-haiku-4-5', system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
  check(`${label} count_tokens gives what the same message is billed as`, count.input_tokens === message.usage.input_tokens, [count, message.usage]);

  const deleted = await client.messages.batches.delete(created.id);
  check(`${label} delete answers message_batch_deleted`, deleted.type === 'message_batch_deleted' && deleted.id === created.id, deleted);
  try {
    await client.messages.batches.retrieve(created.id);
    check(`${label} a deleted batch is gone`, false);
  } catch (error) {
    check(`${label} a deleted batch is gone (404 not_found_error)`, error instanceof Anthropic.NotFoundError && error.error?.error?.type === 'not_found_error', error.message);
  }
}

await report(async () => {
  await run(new Anthropic({ apiKey: 'sk-ant-contract-check', baseURL, maxRetries: 0 }), 'x-api-key');
  await run(new Anthropic({ apiKey: null, authToken: 'contract-check-token', baseURL, maxRetries: 0 }), 'bearer');
  try {
    await new Anthropic({ apiKey: null, authToken: null, baseURL, maxRetries: 0, defaultHeaders: { 'x-api-key': null } }).messages.batches.list();
    check('no key is refused', false);
  } catch (error) {
    check('no key is refused with 401 authentication_error', error instanceof Anthropic.AuthenticationError || /api[_-]?key|auth/i.test(String(error.message)), error.message);
  }
});
