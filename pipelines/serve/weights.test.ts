import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../log';
import { parseWeightsConfig, WeightsConfigError, WeightsFileWatcher, type WeightsConfig } from './weights';

const example = {
  models: [{
    name: 'alpha', featureSet: 'default', sticky: true,
    variants: [{ name: 'champion', version: 3, weight: 90 }, { name: 'challenger', version: 4, weight: 10 }],
  }],
};

const withModel = (patch: Record<string, unknown>) => JSON.stringify({ models: [{ ...example.models[0], ...patch }] });

describe('parseWeightsConfig', () => {
  test('the documented example parses as written', () => {
    expect(parseWeightsConfig(JSON.stringify(example))).toEqual(example);
  });

  test('sticky defaults to false, featureSet is optional, stage aliases are versions', () => {
    const config = parseWeightsConfig(JSON.stringify({ models: [{ name: 'beta', variants: [{ name: 'champion', version: 'production', weight: 1 }, { name: 'challenger', version: 'staging', weight: 0 }] }] }));
    expect(config.models[0]).toEqual({ name: 'beta', sticky: false, variants: [{ name: 'champion', version: 'production', weight: 1 }, { name: 'challenger', version: 'staging', weight: 0 }] });
  });

  test.each<[string, string, RegExp]>([
    ['not JSON', '{models:', /not valid JSON/],
    ['no models', '{}', /models: expected an array of models/],
    ['empty models', '{"models":[]}', /models: expected at least one model/],
    ['unknown key (typo)', withModel({ wieght: 1 }), /models\[0\]: Unrecognized key: "wieght"/],
    ['negative weight', withModel({ variants: [{ name: 'champion', version: 3, weight: -1 }] }), /models\[0\]\.variants\[0\]\.weight: expected a number >= 0/],
    ['weights summing to 0', withModel({ variants: [{ name: 'champion', version: 3, weight: 0 }, { name: 'challenger', version: 4, weight: 0 }] }), /models\[0\]\.variants: the weights must sum to more than 0/],
    ['duplicate variant', withModel({ variants: [{ name: 'champion', version: 3, weight: 1 }, { name: 'champion', version: 4, weight: 1 }] }), /models\[0\]\.variants\[1\]\.name: variant name "champion" appears twice/],
    ['version 0', withModel({ variants: [{ name: 'champion', version: 0, weight: 1 }] }), /models\[0\]\.variants\[0\]\.version: expected a positive integer version or "production" \/ "staging"/],
    ['version 1.5', withModel({ variants: [{ name: 'champion', version: 1.5, weight: 1 }] }), /variants\[0\]\.version: expected a positive integer/],
    ['version "latest"', withModel({ variants: [{ name: 'champion', version: 'latest', weight: 1 }] }), /variants\[0\]\.version: expected a positive integer version or "production"/],
    ['no variants', withModel({ variants: [] }), /models\[0\]\.variants: expected at least one variant/],
    ['variant name with a space', withModel({ variants: [{ name: 'the champ', version: 3, weight: 1 }] }), /variants\[0\]\.name: expected a variant name matching/],
    ['sticky as a string', withModel({ sticky: 'yes' }), /models\[0\]\.sticky: expected true or false/],
    ['duplicate model', JSON.stringify({ models: [example.models[0], example.models[0]] }), /models\[1\]\.name: model "alpha" appears twice/],
  ])('%s → rejected, naming the field', (_case, text, message) => {
    expect(() => parseWeightsConfig(text, 'weights.json')).toThrow(WeightsConfigError);
    expect(() => parseWeightsConfig(text, 'weights.json')).toThrow(message);
    expect(() => parseWeightsConfig(text, 'weights.json')).toThrow(/^weights\.json: /);
  });
});

describe('WeightsFileWatcher', () => {
  let dir: string;
  let logs: Array<{ level: number; msg: string }>;
  let watcher: WeightsFileWatcher | undefined;
  const logger = () => createLogger('info', new Writable({ write(chunk, _e, done) { logs.push(JSON.parse(String(chunk))); done(); } }));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-weights-'));
    logs = [];
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const until = async (cond: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const weightOf = (c: WeightsConfig) => c.models[0].variants[1].weight;
  const write = (file: string, challenger: number) => fs.writeFileSync(file, withModel({ variants: [{ name: 'champion', version: 3, weight: 100 - challenger }, { name: 'challenger', version: 4, weight: challenger }] }));

  test.each([
    ['fs.watch', true],
    ['polling only', false],
  ])('applies the file at start and each valid change (%s)', async (_mode, watch) => {
    const file = path.join(dir, 'weights.json');
    write(file, 10);
    const applied: WeightsConfig[] = [];
    watcher = new WeightsFileWatcher({ file, logger: logger(), pollMs: watch ? 60_000 : 30, watch, apply: async (c) => { applied.push(c); } });
    await watcher.start();
    expect(applied.map(weightOf)).toEqual([10]);
    write(file, 20);
    await until(() => applied.length === 2);
    expect(weightOf(applied[1])).toBe(20);
  });

  test('a replace by rename (how editors and ConfigMaps update) is noticed', async () => {
    const file = path.join(dir, 'weights.json');
    write(file, 10);
    const applied: WeightsConfig[] = [];
    watcher = new WeightsFileWatcher({ file, logger: logger(), pollMs: 60_000, apply: async (c) => { applied.push(c); } });
    await watcher.start();
    write(path.join(dir, 'next.tmp'), 30);
    fs.renameSync(path.join(dir, 'next.tmp'), file);
    await until(() => applied.length === 2);
    expect(weightOf(applied[1])).toBe(30);
  });

  test('an invalid file is rejected with one logged error and apply is not called; a later fix applies', async () => {
    const file = path.join(dir, 'weights.json');
    write(file, 10);
    const applied: WeightsConfig[] = [];
    watcher = new WeightsFileWatcher({ file, logger: logger(), pollMs: 20, watch: false, apply: async (c) => { applied.push(c); } });
    await watcher.start();
    fs.writeFileSync(file, withModel({ variants: [{ name: 'champion', version: 3, weight: -5 }] }));
    await until(() => logs.some((l) => l.level === 50));
    await new Promise((r) => setTimeout(r, 100));
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toMatch(/rejected new weights config, keeping the previous one: .*variants\[0\]\.weight: expected a number >= 0/);
    expect(applied).toHaveLength(1);
    write(file, 40);
    await until(() => applied.length === 2);
    expect(weightOf(applied[1])).toBe(40);
  });

  test('a failed apply keeps the previous config and is retried on the next poll', async () => {
    const file = path.join(dir, 'weights.json');
    write(file, 10);
    let attempts = 0;
    const applied: WeightsConfig[] = [];
    watcher = new WeightsFileWatcher({
      file, logger: logger(), pollMs: 20, watch: false,
      apply: async (c) => {
        if (weightOf(c) === 50 && ++attempts <= 2) throw new Error('model alpha v4 is not registered');
        applied.push(c);
      },
    });
    await watcher.start();
    write(file, 50);
    await until(() => applied.length === 2);
    expect(attempts).toBe(3);
    expect(logs.filter((l) => /could not load weights config .*not registered/.test(l.msg))).toHaveLength(1);
  });

  test('a missing file is reported once, then picked up when it appears', async () => {
    const file = path.join(dir, 'weights.json');
    const applied: WeightsConfig[] = [];
    watcher = new WeightsFileWatcher({ file, logger: logger(), pollMs: 20, apply: async (c) => { applied.push(c); } });
    await watcher.start();
    await new Promise((r) => setTimeout(r, 80));
    expect(applied).toHaveLength(0);
    expect(logs.filter((l) => /does not exist/.test(l.msg))).toHaveLength(1);
    write(file, 10);
    await until(() => applied.length === 1);
  });

  test('concurrent checks coalesce: an apply in progress is never overlapped by another', async () => {
    const file = path.join(dir, 'weights.json');
    write(file, 10);
    let active = 0;
    let maxActive = 0;
    const applied: number[] = [];
    watcher = new WeightsFileWatcher({
      file, logger: logger(), pollMs: 60_000, watch: false,
      apply: async (c) => {
        maxActive = Math.max(maxActive, ++active);
        await new Promise((r) => setTimeout(r, 30));
        applied.push(weightOf(c));
        active--;
      },
    });
    await watcher.start();
    write(file, 20);
    const first = watcher.check();
    write(file, 30);
    await Promise.all([first, watcher.check(), watcher.check()]);
    expect(maxActive).toBe(1);
    expect(applied[applied.length - 1]).toBe(30);
  });
});
