// The official Google Gen AI npm client (@google/genai), unchanged, against `batchai emulator`: inline and file batches
// (the file uploaded with its resumable protocol), get, list with paging, cancel, delete, and the responses file
// downloaded, once on the client's default API version (v1 in current releases) and once on v1beta.
// Usage: node check-genai.mjs http://127.0.0.1:PORT        Exit code 0 when every check passes.
import { GoogleGenAI } from '@google/genai';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseUrlArgument, check, report, sleep } from './checks.mjs';

const baseUrl = baseUrlArgument('check-genai.mjs', 'origin');
const folder = mkdtempSync(join(tmpdir(), 'batchai-genai-'));
const schema = { type: 'OBJECT', properties: { sentiment: { type: 'STRING', enum: ['positive', 'negative', 'mixed'] }, reason: { type: 'STRING' } }, required: ['sentiment', 'reason'] };

async function finished(ai, name) {
  let job = await ai.batches.get({ name });
  for (let i = 0; i < 100 && !['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED'].includes(job.state); i++) {
    await sleep(100);
    job = await ai.batches.get({ name });
  }

  return job;
}

async function run(ai, label) {
  const inline = await ai.batches.create({
    model: 'gemini-2.5-flash',
    src: [
      { contents: [{ role: 'user', parts: [{ text: 'Describe photosynthesis.' }] }], metadata: { key: 'request-1' } },
      { contents: [{ role: 'user', parts: [{ text: "Classify: 'great product, slow delivery'" }] }], config: { responseMimeType: 'application/json', responseSchema: schema }, metadata: { key: 'request-2' } },
    ],
    config: { displayName: `${label}-inline` },
  });
  check(`${label} inline create names a batch`, /^batches\/[^/]+$/.test(inline.name) && inline.state === 'JOB_STATE_PENDING', inline);

  const done = await finished(ai, inline.name);
  check(`${label} inline batch succeeds`, done.state === 'JOB_STATE_SUCCEEDED' && done.displayName === `${label}-inline` && done.model === 'models/gemini-2.5-flash', done);
  const responses = done.dest?.inlinedResponses ?? [];
  check(`${label} inline responses come back in input order, keyed`, responses.length === 2 && responses[0].metadata?.key === 'request-1' && responses[1].metadata?.key === 'request-2', responses.map(r => r.metadata));
  check(`${label} a response has text and usage`, responses[0].response.candidates[0].content.parts[0].text.length > 0 && responses[0].response.usageMetadata.promptTokenCount > 0, responses[0]);
  const structured = JSON.parse(responses[1].response.candidates[0].content.parts[0].text);
  check(`${label} the structured answer follows responseSchema`, ['positive', 'negative', 'mixed'].includes(structured.sentiment) && typeof structured.reason === 'string', structured);

  const now = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Describe photosynthesis.' });
  check(`${label} a synchronous generateContent answers with text and usage`, now.text.length > 0 && now.usageMetadata.promptTokenCount > 0, now);
  const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'Describe photosynthesis.' });
  check(`${label} countTokens gives what the same request is billed as`, counted.totalTokens === now.usageMetadata.promptTokenCount, [counted, now.usageMetadata]);

  const input = join(folder, `${label}-requests.jsonl`);
  writeFileSync(input, [
    JSON.stringify({ key: 'file-1', request: { contents: [{ parts: [{ text: 'What are the main ingredients in a Margherita pizza?' }] }] } }),
    JSON.stringify({ key: 'file-2', request: { contents: [] } }),
    JSON.stringify({ key: 'file-3', request: { contents: [{ parts: [{ text: 'Hi' }] }], generation_config: { temperature: 0.7 } } }),
  ].join('\n') + '\n');
  const file = await ai.files.upload({ file: input, config: { displayName: `${label}-requests`, mimeType: 'jsonl' } });
  check(`${label} upload gives an active file`, /^files\/[a-z0-9-]+$/.test(file.name) && file.state === 'ACTIVE' && Number(file.sizeBytes) > 0, file);

  const fromFile = await ai.batches.create({ model: 'gemini-2.5-flash', src: file.name, config: { displayName: `${label}-file` } });
  const fileDone = await finished(ai, fromFile.name);
  check(`${label} file batch succeeds with a responses file`, fileDone.state === 'JOB_STATE_SUCCEEDED' && /^files\//.test(fileDone.dest?.fileName ?? ''), fileDone);
  const downloaded = join(folder, `${label}-responses.jsonl`);
  await ai.files.download({ file: fileDone.dest.fileName, downloadPath: downloaded });
  for (let i = 0; i < 50; i++) {
    try { if (readFileSync(downloaded, 'utf8').trim().length > 0) break; } catch { /* still writing */ }
    await sleep(50);
  }

  const lines = readFileSync(downloaded, 'utf8').trim().split('\n').map(l => JSON.parse(l));
  check(`${label} responses file lines are keyed, in input order`, lines.map(l => l.key).join() === 'file-1,file-2,file-3', lines.map(l => l.key));
  check(`${label} a bad request line holds an error status`, lines[1].error?.code === 3 && !lines[1].response, lines[1]);
  check(`${label} good lines hold responses`, lines[0].response.candidates[0].content.parts[0].text.length > 0 && lines[2].response.candidates[0].finishReason === 'STOP', lines[0]);

  const slow = await ai.batches.create({ model: 'gemini-2.5-flash', src: [{ contents: [{ parts: [{ text: 'later' }] }], metadata: { key: 'k' } }], config: { displayName: `${label}-cancel` } });
  await ai.batches.cancel({ name: slow.name });
  const canceled = await ai.batches.get({ name: slow.name });
  check(`${label} cancel ends the batch cancelled`, canceled.state === 'JOB_STATE_CANCELLED', canceled);

  const names = [];
  const pager = await ai.batches.list({ config: { pageSize: 1 } });
  for await (const job of pager) names.push(job.name);
  check(`${label} list pages through the batches`, [inline.name, fromFile.name, slow.name].every(n => names.includes(n)), names);

  await ai.batches.delete({ name: inline.name });
  try {
    await ai.batches.get({ name: inline.name });
    check(`${label} a deleted batch is gone`, false);
  } catch (error) {
    check(`${label} a deleted batch is gone (404)`, /404|NOT_FOUND|not found/i.test(String(error.message)), String(error.message));
  }
}

await report(async () => {
  await run(new GoogleGenAI({ apiKey: 'contract-check-key', httpOptions: { baseUrl } }), 'default-version');
  await run(new GoogleGenAI({ apiKey: 'contract-check-key', apiVersion: 'v1beta', httpOptions: { baseUrl } }), 'v1beta');
}, () => rmSync(folder, { recursive: true, force: true }));
