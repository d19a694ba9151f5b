/**
 * Autosave of a questionnaire's answers: debounced, coalesced (one request in flight; changes made
 * meanwhile go in the next), conditional on the ETag, and kept in local storage until the server
 * has them, so a reload or a lost connection loses nothing.
 */
import { useCallback, useEffect, useRef, useState } from "react";

export type Answers = Record<string, unknown>;

export type SaveResult =
  | { kind: "saved"; etag: string }
  | { kind: "conflict"; etag: string; answers: Answers }
  | { kind: "invalid"; errors: Record<string, string> };

/** Sends a patch of answers (null removes one) with If-Match; throws when the network fails. */
export type SaveFn = (patch: Answers, etag: string) => Promise<SaveResult>;

export type SaveStatus = "saved" | "pending" | "saving" | "offline" | "error" | "conflict";

export interface Conflict {
  mine: Answers;
  theirs: Answers;
  etag: string;
}

interface Stored {
  etag: string;
  pending: Answers;
}

const RETRY_MS = 5000;

function readStored(key: string): Stored | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function useAutosave({
  storageKey,
  initialAnswers,
  initialEtag,
  save,
  onSaved,
  delayMs = 600,
}: {
  storageKey: string;
  initialAnswers: Answers;
  initialEtag: string;
  save: SaveFn;
  onSaved?: () => void;
  delayMs?: number;
}) {
  const [stored] = useState(() => readStored(storageKey));
  const [answers, setAnswers] = useState<Answers>(() => ({ ...initialAnswers, ...(stored?.pending ?? {}) }));
  const [status, setStatus] = useState<SaveStatus>(stored ? "pending" : "saved");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const restored = Object.keys(stored?.pending ?? {}).length;
  const etag = useRef(stored?.etag ?? initialEtag);
  const pending = useRef(new Map<string, unknown>(Object.entries(stored?.pending ?? {})));
  // flush calls itself again (a retry, the changes made meanwhile) through this ref.
  const again = useRef<() => void>(() => undefined);
  const inFlight = useRef(false);
  const conflictRef = useRef<Conflict | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const saveRef = useRef(save);
  const onSavedRef = useRef(onSaved);
  useEffect(() => {
    saveRef.current = save;
    onSavedRef.current = onSaved;
  });

  const persist = useCallback(() => {
    if (pending.current.size === 0) localStorage.removeItem(storageKey);
    else {
      const value: Stored = { etag: etag.current, pending: Object.fromEntries(pending.current) };
      localStorage.setItem(storageKey, JSON.stringify(value));
    }
  }, [storageKey]);

  const flush = useCallback(async (): Promise<void> => {
    clearTimeout(timer.current);
    if (inFlight.current || conflictRef.current) return;
    if (pending.current.size === 0) {
      setStatus("saved");
      return;
    }
    const batch = Object.fromEntries(pending.current);
    inFlight.current = true;
    setStatus("saving");
    let result: SaveResult;
    try {
      result = await saveRef.current(batch, etag.current);
    } catch {
      inFlight.current = false;
      setStatus("offline");
      timer.current = setTimeout(() => { again.current(); }, RETRY_MS);
      return;
    }
    inFlight.current = false;
    if (result.kind === "conflict") {
      // Answers the server already has (e.g. a save that landed just before a reload) need no decision.
      const differing = Object.entries(batch).filter(([id, v]) => !same(result.answers[id] ?? null, v));
      for (const [id, v] of Object.entries(batch)) {
        if (same(result.answers[id] ?? null, v) && same(pending.current.get(id), v)) pending.current.delete(id);
      }
      if (differing.length === 0) {
        etag.current = result.etag;
        persist();
        again.current();
        return;
      }
      conflictRef.current = { mine: Object.fromEntries(differing), theirs: result.answers, etag: result.etag };
      setConflict(conflictRef.current);
      setStatus("conflict");
      return;
    }
    if (result.kind === "invalid") {
      // Nothing of the batch was stored: the answers the server refused wait for a correction,
      // the others go again at once.
      setErrors((e) => ({ ...e, ...result.errors }));
      for (const id of Object.keys(result.errors)) pending.current.delete(id);
      persist();
      setStatus(pending.current.size > 0 ? "pending" : "error");
      if (pending.current.size > 0) again.current();
      return;
    }
    etag.current = result.etag;
    for (const [id, value] of Object.entries(batch)) {
      if (same(pending.current.get(id), value)) pending.current.delete(id);
    }
    persist();
    onSavedRef.current?.();
    if (pending.current.size > 0) again.current();
    else setStatus("saved");
  }, [persist]);
  useEffect(() => {
    again.current = () => void flush();
  }, [flush]);

  const setAnswer = useCallback(
    (id: string, value: unknown) => {
      const v = value === undefined || value === "" || (Array.isArray(value) && value.length === 0) ? null : value;
      setAnswers((a) => ({ ...a, [id]: v }));
      setErrors((e) => (id in e ? Object.fromEntries(Object.entries(e).filter(([k]) => k !== id)) : e));
      pending.current.set(id, v);
      persist();
      setStatus((s) => (s === "conflict" || s === "offline" ? s : "pending"));
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), delayMs);
    },
    [delayMs, flush, persist],
  );

  const resolve = useCallback(
    (keepMine: boolean) => {
      const c = conflictRef.current;
      if (!c) return;
      conflictRef.current = null;
      setConflict(null);
      etag.current = c.etag;
      if (keepMine) {
        // Their other answers stay; ours win where both changed.
        setAnswers({ ...c.theirs, ...Object.fromEntries(pending.current) });
        void flush();
      } else {
        pending.current.clear();
        persist();
        setAnswers(c.theirs);
        setStatus("saved");
        onSavedRef.current?.();
      }
    },
    [flush, persist],
  );

  useEffect(() => {
    if (pending.current.size > 0) void flush(); // answers kept from an earlier visit
    const online = () => void flush();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      clearTimeout(timer.current);
    };
  }, [flush]);

  return { answers, setAnswer, status, errors, conflict, resolve, restored, flush, hasPending: () => pending.current.size > 0 };
}
