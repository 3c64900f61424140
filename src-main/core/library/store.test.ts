/**
 * Who owns library work (store.ts ownerEnded): a process is its pid and, where /proc tells, its
 * start, so a reused pid (every container run is pid 1) does not keep a dead process's work alive.
 * Checked on real processes and on files in a real library's tmp/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { libraryPaths } from '../paths';
import { ImageStore, onThisMachine, ownerEnded, processStart, tempOwner, thisProcess } from './store';

const hasProc = processStart(process.pid) !== null;
const gone = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('ownerEnded', () => {
  it('asks this process about its own pid, and the system about the others', () => {
    expect(ownerEnded({ pid: process.pid, start: null }, () => true)).toBe(false);
    expect(ownerEnded({ pid: process.pid, start: thisProcess().start }, () => false)).toBe(true);
    expect(ownerEnded({ pid: gone(), start: null }, () => true)).toBe(true);
    expect(ownerEnded({ pid: null, start: null }, () => true)).toBe(true);
    // A live process recorded without a start: the pid is all there is to go on.
    expect(ownerEnded({ pid: process.ppid, start: null }, () => false)).toBe(false);
  });

  it.skipIf(!hasProc)('takes a live pid that started at another time for a new process', () => {
    const start = processStart(process.ppid)!;
    expect(start).toMatch(/^\d+(\.[0-9a-f]+)?$/);
    expect(ownerEnded({ pid: process.ppid, start }, () => false)).toBe(false);
    expect(ownerEnded({ pid: process.ppid, start: `${start}0` }, () => false)).toBe(true);
    // This process records its start with its pid namespace where the system tells it.
    expect(thisProcess().start).toMatch(new RegExp(`^${processStart(process.pid)!.replace(/\./g, '\\.')}(\\.\\d+)?$`));
    expect(processStart(gone())).toBeNull();
  });
});

describe('onThisMachine', () => {
  it("is true for a start recorded on this boot and pid namespace, false for another machine's or container's, or none", () => {
    const me = thisProcess();
    expect(me.start).not.toBeNull();
    const [ticks, boot, ns] = me.start!.split('.');
    expect(onThisMachine(me)).toBe(true);
    expect(onThisMachine({ pid: 999_999_999, start: `${ticks}.${boot}.${ns}` })).toBe(true);
    expect(onThisMachine({ pid: me.pid, start: `${ticks}.${'0'.repeat(32)}.${ns}` })).toBe(false);
    expect(onThisMachine({ pid: me.pid, start: `${ticks}.${boot}.1` })).toBe(false);
    expect(onThisMachine({ pid: me.pid, start: null })).toBe(false);
    expect(onThisMachine({ pid: me.pid, start: '1.2' })).toBe(false);
  });
});

describe('sweepTemp', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('removes files of ended writers, including one with this pid but another start, and keeps its own', () => {
    const paths = libraryPaths(path.join(dir, 'data'));
    const store = new ImageStore(paths);
    const me = thisProcess();
    const names = {
      mineNow: `${me.pid}${me.start ? `_${me.start}` : ''}-aaaaaaaaaaaa`,
      deadWriter: `${gone()}-bbbbbbbbbbbb`,
      junk: 'not-a-writer',
      liveOther: `${process.ppid}-cccccccccccc`,
      ...(hasProc && {
        samePidOtherStart: `${me.pid}_1.00-dddddddddddd`,
        samePidNoStart: `${me.pid}-eeeeeeeeeeee`,
        livePidOtherStart: `${process.ppid}_1.00-ffffffffffff`,
        livePidItsStart: `${process.ppid}_${processStart(process.ppid)}-000000000000`,
      }),
    };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(paths.tmp, n), 'x');
    expect(tempOwner(names.mineNow)).toEqual({ pid: me.pid, start: me.start });

    store.sweepTemp();
    const left = fs.readdirSync(paths.tmp).sort();
    // A name our code never gives a temporary (junk) is not ours to remove.
    expect(left).toEqual([names.mineNow, names.junk, names.liveOther, ...(hasProc ? [names.livePidItsStart!] : [])].sort());
  });

  it("removes what ended writers left beside a run's graphs in runs/ID/train_graphs/, by the same rule", () => {
    const paths = libraryPaths(path.join(dir, 'data'));
    const store = new ImageStore(paths);
    const me = thisProcess();
    const graphs = path.join(paths.root, 'runs', '2', 'train_graphs');
    fs.mkdirSync(graphs, { recursive: true });
    fs.writeFileSync(path.join(paths.root, 'runs', 'notes.txt'), 'not a run'); // not a folder: skipped
    const names = {
      graph: 'run-2-loss.svg',
      deadWriter: `run-2-loss.svg.tmp-${gone()}-597d3d1699e9`,
      liveOther: `run-2-accuracy.svg.tmp-${process.ppid}-aaaaaaaaaaaa`,
      ...(hasProc && {
        mineNow: `run-2-accuracy.png.tmp-${me.pid}_${me.start}-bbbbbbbbbbbb`,
        samePidNoStart: `run-2-loss.png.tmp-${me.pid}-cccccccccccc`,
        livePidOtherStart: `run-2-loss.png.tmp-${process.ppid}_1.00-dddddddddddd`,
      }),
    };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(graphs, n), 'x');

    expect(store.sweepTemp()).toBe(hasProc ? 3 : 1);
    expect(fs.readdirSync(graphs).sort()).toEqual([names.graph, names.liveOther, ...(hasProc ? [names.mineNow!] : [])].sort());
  });
});
