// @vitest-environment happy-dom
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useAutosave, type Answers, type SaveFn, type SaveResult } from "./useAutosave";

interface Call {
  patch: Answers;
  etag: string;
  resolve: (r: SaveResult) => void;
  reject: (e: Error) => void;
}

function fakeServer() {
  const calls: Call[] = [];
  const save: SaveFn = (patch, etag) =>
    new Promise((resolve, reject) => {
      calls.push({ patch, etag, resolve, reject });
    });
  return { calls, save };
}

const KEY = "aas:draft:test";

function setup(save: SaveFn) {
  return renderHook(() =>
    useAutosave({ storageKey: KEY, initialAnswers: { a: 1 }, initialEtag: '"r1"', save, delayMs: 100 }),
  );
}

async function settle(ms = 150) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("autosave", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("debounces and coalesces: changes made while a save is in flight go in one next save", async () => {
    const server = fakeServer();
    const { result } = setup(server.save);
    act(() => {
      result.current.setAnswer("b", true);
      result.current.setAnswer("c", "x");
    });
    await settle();
    expect(server.calls.map((c) => c.patch)).toEqual([{ b: true, c: "x" }]);
    act(() => {
      result.current.setAnswer("d", 4);
      result.current.setAnswer("e", 5);
    });
    await settle();
    expect(server.calls).toHaveLength(1); // one request in flight at a time
    await act(async () => {
      server.calls[0]?.resolve({ kind: "saved", etag: '"r2"' });
      await Promise.resolve();
    });
    await settle();
    expect(server.calls[1]).toMatchObject({ patch: { d: 4, e: 5 }, etag: '"r2"' });
    await act(async () => {
      server.calls[1]?.resolve({ kind: "saved", etag: '"r3"' });
      await Promise.resolve();
    });
    expect(result.current.status).toBe("saved");
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it("keeps unsaved answers in local storage when the network fails, and restores them", async () => {
    const server = fakeServer();
    const first = setup(server.save);
    act(() => {
      first.result.current.setAnswer("b", false);
    });
    await settle();
    await act(async () => {
      server.calls[0]?.reject(new TypeError("Failed to fetch"));
      await Promise.resolve();
    });
    expect(first.result.current.status).toBe("offline");
    expect(JSON.parse(localStorage.getItem(KEY) ?? "{}")).toEqual({ etag: '"r1"', pending: { b: false } });
    first.unmount();

    const again = fakeServer();
    const second = setup(again.save);
    expect(second.result.current.restored).toBe(1);
    expect(second.result.current.answers).toEqual({ a: 1, b: false });
    await settle();
    expect(again.calls[0]).toMatchObject({ patch: { b: false }, etag: '"r1"' });
  });

  it("a conflict waits for a decision; keep mine resends on the new revision and keeps their other answers", async () => {
    const server = fakeServer();
    const { result } = setup(server.save);
    act(() => {
      result.current.setAnswer("a", 2);
    });
    await settle();
    await act(async () => {
      server.calls[0]?.resolve({ kind: "conflict", etag: '"r5"', answers: { a: 9, z: "theirs" } });
      await Promise.resolve();
    });
    expect(result.current.status).toBe("conflict");
    expect(result.current.conflict?.mine).toEqual({ a: 2 });
    act(() => {
      result.current.resolve(true);
    });
    await settle();
    expect(server.calls[1]).toMatchObject({ patch: { a: 2 }, etag: '"r5"' });
    expect(result.current.answers).toEqual({ a: 2, z: "theirs" });
  });

  it("take theirs drops my unsaved answers and shows theirs", async () => {
    const server = fakeServer();
    const { result } = setup(server.save);
    act(() => {
      result.current.setAnswer("a", 2);
    });
    await settle();
    await act(async () => {
      server.calls[0]?.resolve({ kind: "conflict", etag: '"r5"', answers: { a: 9 } });
      await Promise.resolve();
    });
    act(() => {
      result.current.resolve(false);
    });
    expect(result.current.answers).toEqual({ a: 9 });
    expect(result.current.status).toBe("saved");
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it("a 422 marks the refused answers and sends the others again at once", async () => {
    const server = fakeServer();
    const { result } = setup(server.save);
    act(() => {
      result.current.setAnswer("n", 999);
      result.current.setAnswer("ok", true);
    });
    await settle();
    await act(async () => {
      server.calls[0]?.resolve({ kind: "invalid", errors: { n: "must be at most 10" } });
      await Promise.resolve();
    });
    await settle(0);
    expect(result.current.errors).toEqual({ n: "must be at most 10" });
    expect(server.calls[1]?.patch).toEqual({ ok: true });
    act(() => {
      result.current.setAnswer("n", 5);
    });
    expect(result.current.errors).toEqual({});
  });

  it("an empty answer is sent as null, which removes it", async () => {
    const server = fakeServer();
    const { result } = setup(server.save);
    act(() => {
      result.current.setAnswer("a", "");
      result.current.setAnswer("m", []);
    });
    await settle();
    expect(server.calls[0]?.patch).toEqual({ a: null, m: null });
  });
});
