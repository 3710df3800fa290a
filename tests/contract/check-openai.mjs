// The official OpenAI npm client, unchanged, against `batchai emulator`: it uploads, lists, retrieves, creates,
// paginates, cancels, downloads and deletes. Every object it gets back is validated against the OpenAPI schemas of
// OpenAI's spec (openai-openapi-subset.json), and every structured answer against the JSON Schema it was asked for.
// Usage: node check-openai.mjs http://127.0.0.1:PORT/v1        Exit code 0 when every check passes.
import OpenAI, { toFile } from 'openai';
import Ajv2020 from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { baseUrlArgument, check, passed } from './checks.mjs';

const baseURL = baseUrlArgument('check-openai.mjs', 'base-url');

const subset = JSON.parse(readFileSync(new URL('./openai-openapi-subset.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('unixtime', { type: 'number', validate: n => Number.isInteger(n) && n >= 0 });
ajv.addSchema(subset);

// The spec declares optional fields (output_file_id, in_progress_at, ...) as plain strings and integers, while its
// own examples, the SDKs and the live API send null for them until they are set. Nulls in optional properties are
// therefore treated as absent; required properties are checked as declared.
function withoutNulls(value) {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

// Error declares its nullable fields (code, param) as such, so error bodies are checked exactly as sent.
function conforms(schemaName, value, { exact = schemaName === 'ErrorResponse' } = {}) {
  const validate = ajv.getSchema(`${subset.$id}#/components/schemas/${schemaName}`);
  if (!validate) throw new Error(`no schema ${schemaName}`);
  const ok = validate(exact ? value : withoutNulls(value));
  check(`${schemaName} conforms to the OpenAPI spec`, ok, validate.errors);
}

const client = new OpenAI({ apiKey: 'sk-contract-check', baseURL, maxRetries: 0 });
const triage = JSON.parse(readFileSync(new URL('../../src/BatchAI.Cli/samples/ticket-triage.schema.json', import.meta.url), 'utf8'));
const line = (id, prompt, extra = {}) => JSON.stringify({
  custom_id: id,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], ...extra },
});
const jsonl = [
  line('plain-1', 'Say hello'),
  line('plain-2', 'Zoë says "hi", 你好'),
  ...[1, 2, 3, 4, 5].map(i => line(`triage-${i}`, `Ticket ${i}`, { response_format: { type: 'json_schema', json_schema: { name: 'ticket_triage', strict: true, schema: triage } } })),
].join('\n') + '\n';

// Files
const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'contract.jsonl'), purpose: 'batch' });
conforms('OpenAIFile', file);
check('upload keeps name, size and purpose', file.filename === 'contract.jsonl' && file.bytes === Buffer.byteLength(jsonl) && file.purpose === 'batch', file);
const retrievedFile = await client.files.retrieve(file.id);
check('a file can be retrieved', retrievedFile.id === file.id);
const listedFiles = [];
for await (const f of client.files.list({ purpose: 'batch' })) listedFiles.push(f);
check('the file is listed', listedFiles.some(f => f.id === file.id));
const rawFiles = await (await fetch(`${baseURL}/files?purpose=batch`, { headers: { Authorization: 'Bearer x' } })).json();
conforms('ListFilesResponse', rawFiles);

// Batches: create, follow, read
const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { batchai_job: 'contract-check' } });
conforms('Batch', batch);
check('a new batch is validating', batch.status === 'validating', batch.status);
let done = batch;
const seen = new Set([batch.status]);
for (let i = 0; i < 200 && !['completed', 'failed', 'expired', 'cancelled'].includes(done.status); i++) {
  await new Promise(resolve => setTimeout(resolve, 100));
  done = await client.batches.retrieve(batch.id);
  conforms('Batch', done);
  seen.add(done.status);
}
check('the batch completes', done.status === 'completed', done);
check('the metadata comes back', done.metadata?.batchai_job === 'contract-check', done.metadata);
check('the counts add up', done.request_counts.total === 7 && done.request_counts.completed === 7 && done.request_counts.failed === 0, done.request_counts);
check('statuses came in the documented order', [...seen].every((s, i, all) => ['validating', 'in_progress', 'finalizing', 'completed'].indexOf(s) >= (i === 0 ? 0 : ['validating', 'in_progress', 'finalizing', 'completed'].indexOf(all[i - 1]))), [...seen]);

const output = await (await client.files.content(done.output_file_id)).text();
const results = output.trim().split('\n').map(l => JSON.parse(l));
check('one output line per request', results.length === 7 && new Set(results.map(r => r.custom_id)).size === 7, results.map(r => r.custom_id));
const validTriage = ajv.compile(triage);
for (const result of results) {
  check(`line ${result.custom_id} succeeded`, result.response?.status_code === 200 && result.error === null, result);
  const content = result.response.body.choices[0].message.content;
  if (result.custom_id.startsWith('triage-')) {
    const ok = validTriage(JSON.parse(content));
    check(`structured answer ${result.custom_id} follows its JSON schema`, ok, validTriage.errors);
  } else {
    check(`text answer ${result.custom_id} says it is emulated`, content.startsWith('[emulated]'), content);
  }
}

// Pagination: one batch per page, as the SDK walks the cursor
const second = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
const listed = [];
for await (const b of client.batches.list({ limit: 1 })) listed.push(b.id);
check('the SDK pages through every batch', listed.includes(batch.id) && listed.includes(second.id) && new Set(listed).size === listed.length, listed);
const rawBatches = await (await fetch(`${baseURL}/batches?limit=1`, { headers: { Authorization: 'Bearer x' } })).json();
conforms('ListBatchesResponse', rawBatches);

// Cancel
const cancelling = await client.batches.cancel(second.id);
conforms('Batch', cancelling);
check('cancel answers cancelling', cancelling.status === 'cancelling', cancelling.status);

// Errors are OpenAI-shaped and the SDK maps them
try {
  await client.batches.retrieve('batch_does_not_exist');
  check('an unknown batch is an error', false);
} catch (error) {
  check('an unknown batch is a NotFoundError', error instanceof OpenAI.NotFoundError && error.status === 404, String(error));
  conforms('ErrorResponse', { error: error.error });
}

// Every response says it is emulated
const head = await fetch(`${baseURL}/batches/${batch.id}`, { headers: { Authorization: 'Bearer x' } });
check('responses carry X-BatchAI-Emulator', head.headers.get('x-batchai-emulator') === '1');

// Delete
const deleted = await client.files.delete(file.id);
conforms('DeleteFileResponse', deleted);
check('a file can be deleted', deleted.deleted === true && deleted.id === file.id);

// The synchronous endpoint the real-time lane calls
const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });
check('a chat completion answers with a message and usage', completion.object === 'chat.completion' && completion.choices[0].message.content.length > 0 && completion.usage.prompt_tokens > 0, completion);
const counted = await client.responses.inputTokens.count({ model: 'gpt-4o-mini', input: 'Say hello' });
check('responses/input_tokens gives what the same prompt is billed as', counted.input_tokens === completion.usage.prompt_tokens, [counted, completion.usage]);
const structuredNow = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ticket 9' }], response_format: { type: 'json_schema', json_schema: { name: 'ticket_triage', strict: true, schema: triage } } });
check('a synchronous structured answer follows its schema', triage.required.every(k => k in JSON.parse(structuredNow.choices[0].message.content)), structuredNow.choices[0].message.content);

console.log(`ok: ${passed.length} checks passed against ${baseURL}`);
