/*
 * The round protocol of docs/design.md (spec: exactly-once.md), as a Promela
 * model for spin. One source partition holding offsets 0..N-1, a fixed parser
 * that sends offset o to output partition o % P, W writers in one consumer
 * group, a group coordinator that moves the partition between writers and
 * bumps the generation, a create-only object store, and Kafka's committed
 * offset C with generation fencing.
 *
 * Writers crash (losing local state, a new incarnation) at most MAXCRASH times
 * in all, at any step. Pauses need no code: spin interleaves every process at
 * every step, so a writer may stop for as long as others take to move on and
 * then keep acting on its old view (a zombie) until it notices.
 *
 * Every shared action is one d_step, as it is one request to Kafka or to the
 * store. The invariants are asserted where the state they speak of changes,
 * which is the same as checking them in every reachable state.
 *
 * Sizes: -DN=, -DMAXREB=, -DMAXCRASH=. Other switches (spin -D...):
 *   LIFECYCLE           the store's retention rule expires markers of
 *                       committed rounds (whenever no zombie is alive)
 *   OUTCOME_ONLY        assert only "no duplicate" and "no loss"
 * Mutants, each a protocol fault the checker must find:
 *   MUTANT_WRITER_KEYS  data files named by the writer, written without an
 *                       existence check (a wall-clock / per-writer name)
 *   MUTANT_NO_MARKER    no round marker: each writer picks its own round end,
 *                       uploads, then commits (the original Secor)
 *   MUTANT_NO_FENCING   Kafka accepts commits from a stale generation
 *   MUTANT_NO_ROOT      no root marker: each writer takes its own start when
 *                       nothing is committed
 *   MUTANT_DELETE_MARKERS  the consumer deletes a round's marker after commit
 *   MUTANT_SKIP_UNCHECKED  at assignment, decided rounds are committed and
 *                       skipped without checking that their files exist
 *   MUTANT_PARSER_CHANGE   writer 1 runs a different parser (a changed config
 *                       without a new secor.generation): caught by the replay
 *                       check, so this one must pass; with LIST_ONLY the
 *                       replay check compares only the file names and fails
 *   REACH_END           asserts that C never reaches N: must fail, proving the
 *                       model reaches a fully committed log (no vacuity)
 */

#ifndef N
#define N 3 /* offsets 0..N-1 in the source partition (N <= 7) */
#endif
#define P 2 /* output partitions */
#define W 2 /* writers */
#ifndef MAXREB
#define MAXREB 2 /* rebalances (generation bumps) */
#endif
#ifndef MAXCRASH
#define MAXCRASH 1 /* crashes of any writer, in all */
#endif
#define NONE 255

/* The parser: a pure function of the record. */
#ifdef MUTANT_PARSER_CHANGE
#define OUT(w, o) (((o) + (w)) % P)
#else
#define OUT(w, o) ((o) % P)
#endif

/* The store: fc[key] is the set of offsets (a bit mask) the data file holds;
 * 0 means the key does not exist. A data file's key is
 * <op>/<generation>_<partition>_<S>, so within this model (one output
 * generation, one partition) it is (op, S). */
#ifdef MUTANT_WRITER_KEYS
#define NKEYS (W * P * N)
#define KEY(w, p, s) ((((w) * P) + (p)) * N + (s))
#else
#define NKEYS (P * N)
#define KEY(w, p, s) ((p) * N + (s))
#endif
byte fc[NKEYS];

/* Round markers M(S): end, the creator's incarnation, and per output
 * partition the offsets of its file (the list of data files, with enough
 * to recognise a different split). NONE = no marker at S. */
byte mend[N] = NONE;
byte mwho[N] = NONE;
byte mfile[N * P];
byte root = NONE; /* the chain root marker */

/* Kafka: committed offset of the group (NONE = nothing committed), the
 * group's generation, and the member that owns the partition. */
byte C = NONE;
byte gen = 1;
byte owner = 0;
byte crashes = 0;

/* Each writer's phase and the generation of the assignment it acts on. Local
 * state in spirit; global only so that the lifecycle rule below can tell
 * whether a zombie is alive (no writer reads another's). */
byte ph[W];
byte mg[W] = NONE;
#define phase ph[me]
#define mygen mg[me]

#ifdef LIFECYCLE
byte maxC = 0; /* the highest C ever committed: what an age rule goes by */
#endif

/* Dup and loss are always asserted; OUTCOME_ONLY drops the intermediate
 * properties so that a mutant has to show an actual duplicate or loss. */
#ifdef OUTCOME_ONLY
#define PROPERTY(x) skip
#else
#define PROPERTY(x) assert(x)
#endif

/* Scratch for the checks; hidden, so not part of the state. */
hidden byte i, k, j, ncopies, bits;
hidden byte copies_ok, offset_below_C_stored, marker_extends_chain;
hidden byte round_files_stored, existing_file_same_content;

/* No offset is in two stored files (invariants 2 and 3 together). */
inline check_no_duplicate() {
  i = 0;
  do
  :: i < N ->
    ncopies = 0;
    k = 0;
    do
    :: k < NKEYS -> if :: (fc[k] >> i) & 1 -> ncopies++ :: else fi; k++
    :: else -> break
    od;
    copies_ok = (ncopies <= 1);
    assert(copies_ok);
    i++
  :: else -> break
  od
}

/* Every offset in [root, C) is in some stored file. */
inline check_nothing_lost() {
  if
  :: C != NONE ->
    i = root;
    do
    :: i < C ->
      ncopies = 0;
      k = 0;
      do
      :: k < NKEYS -> if :: (fc[k] >> i) & 1 -> ncopies++ :: else fi; k++
      :: else -> break
      od;
      offset_below_C_stored = (ncopies >= 1);
      assert(offset_below_C_stored);
      i++
    :: else -> break
    od
  :: else
  fi
}

/* The messages of [s, e] that parser w sends to output partition p. */
inline split(w, s, e, p) {
  bits = 0;
  j = s;
  do
  :: j <= e -> if :: OUT(w, j) == p -> bits = bits | (1 << j) :: else fi; j++
  :: else -> break
  od
}

/* Markers ever created: what the chain invariant speaks of, since a deleted
 * marker was still a decision. */
#if defined(LIFECYCLE) || defined(MUTANT_DELETE_MARKERS)
byte hend[N] = NONE;
#define HEND(s) hend[s]
#define REMEMBER(s, e) hend[s] = e
#else
#define HEND(s) mend[s]
#define REMEMBER(s, e) skip
#endif

/* Creates M(S) = [S, E] (the caller saw no marker at S) with the list of
 * files of writer me's split. Invariant 1: one decision per S, ever, and
 * the new round extends the chain of decided rounds without overlap. */
inline create_marker() {
  marker_extends_chain = (HEND(S) == NONE && S == root);
  k = 0;
  do
  :: k < S -> if :: HEND(k) == S - 1 -> marker_extends_chain = (HEND(S) == NONE) :: else fi; k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < N ->
    if :: k != S && HEND(k) != NONE && k <= E && HEND(k) >= S -> marker_extends_chain = false
    :: else fi;
    k++
  :: else -> break
  od;
  PROPERTY(marker_extends_chain);
  mend[S] = E; mwho[S] = inc; REMEMBER(S, E);
  p = 0;
  do
  :: p < P -> split(me, S, E, p); mfile[S * P + p] = bits; p++
  :: else -> break
  od;
  p = 0
}

#define IDLE 0   /* no assignment this incarnation acts on */
#define ROOT 1   /* nothing committed: create or adopt the chain root */
#define LOOKUP 2 /* look for M(S) */
#define READ 3   /* normal mode: read messages, policy may fire */
#define MARK 4   /* create M(S) with end E */
#define REPLAY 5 /* replay mode: read [S, E] */
#define UPLOAD 6 /* upload the round's file for output partition p */
#define COMMIT 7 /* commit E + 1 */
#define STOP 8   /* replay found a different split: stopped with an error */
#define SKIP 9   /* set-up: commit a decided round whose files all exist */

/* Local state is lost: the staging directory is a cache. */
#define RESET                                                                   \
  phase = IDLE; mygen = NONE; S = 0; pos = 0; E = 0; p = 0; replay = false; fresh = false

active [W] proctype writer() {
  byte me = _pid;
  byte inc = me;     /* incarnation: unique per process start */
  byte S, pos, E, p; /* round start, next offset to read, round end, upload index */
  bool replay;
  bool fresh; /* in set-up: decided rounds at S may be skipped */

end:
  do
  /* Crash at any step, losing local state; restart as a new incarnation. */
  :: d_step { phase != IDLE && crashes < MAXCRASH -> crashes++; inc = inc + W; RESET }

  /* Revocation noticed (the consumer's callback): drop local state. A paused
   * process has not noticed yet and keeps going instead. */
  :: d_step { phase != IDLE && phase != STOP && mygen != gen -> RESET }

  /* Assignment: read the generation and C. Taken at any step when owner. */
  :: d_step { phase != STOP && owner == me && mygen != gen ->
      mygen = gen; p = 0; replay = false; fresh = true;
      if
      :: C == NONE -> phase = ROOT
      :: else -> S = C; pos = C; phase = LOOKUP
      fi
    }

  /* auto.offset.reset gives a start (it may differ between writers: the
   * log start moves, or "latest"); the root marker makes one chain. Without
   * it (MUTANT_NO_ROOT) root is only a ghost for the checks: the highest
   * start any writer took, so offsets below it are not counted as lost. */
  :: phase == ROOT ->
    if
    :: d_step {
#ifdef MUTANT_NO_ROOT
        if :: root == NONE -> root = 0 :: else fi; S = 0;
#else
        if :: root == NONE -> root = 0 :: else fi; S = root;
#endif
        pos = S; phase = LOOKUP }
    :: d_step {
#ifdef MUTANT_NO_ROOT
        if :: root == NONE || root < 1 -> root = 1 :: else fi; S = 1;
#else
        if :: root == NONE -> root = 1 :: else fi; S = root;
#endif
        pos = S; phase = LOOKUP }
    fi

  :: d_step { phase == LOOKUP ->
#ifdef MUTANT_NO_MARKER
      phase = READ
#else
      if
      :: S < N && mend[S] != NONE && fresh ->
        /* Set-up skips a decided round whose listed files all exist (one
         * HEAD each), committing its end, and replays it otherwise. */
        E = mend[S];
        bits = 1;
        p = 0;
        do
        :: p < P ->
#ifndef MUTANT_SKIP_UNCHECKED
          if :: mfile[S * P + p] != 0 && fc[KEY(me, p, S)] == 0 -> bits = 0 :: else fi;
#endif
          p++
        :: else -> break
        od;
        p = 0;
        if
        :: bits -> phase = SKIP
        :: else -> replay = true; fresh = false; phase = REPLAY
        fi
      :: S < N && mend[S] != NONE && !fresh -> E = mend[S]; replay = true; phase = REPLAY
      :: else -> replay = false; fresh = false; phase = READ
      fi;
      bits = 0
#endif
    }

  /* The skip's commit. A failed commit is only logged: the files are stored,
   * and the next commit (or the next owner's set-up) covers the round. */
  :: d_step { phase == SKIP ->
#ifdef MUTANT_NO_FENCING
      if :: true ->
#else
      if :: mygen == gen ->
#endif
        PROPERTY(C == NONE || E + 1 >= C);
        C = E + 1;
#ifdef LIFECYCLE
        if :: C > maxC -> maxC = C :: else fi;
#endif
        check_nothing_lost()
      :: else
      fi;
      S = E + 1; pos = S; phase = LOOKUP
    }

  /* Normal mode: read the next message, or the policy fires at any point. */
  :: phase == READ && pos < N -> pos++
  :: d_step { phase == READ && pos > S ->
      E = pos - 1;
#ifdef MUTANT_NO_MARKER
      p = 0; phase = UPLOAD
#else
      phase = MARK
#endif
    }

  /* Create-only M(S) = end E. */
  :: d_step { phase == MARK ->
      if
      :: mend[S] == NONE -> create_marker(); phase = UPLOAD
      :: mend[S] != NONE && mwho[S] == inc && mend[S] == E ->
        /* our own create that timed out and was retried */
        p = 0; phase = UPLOAD
      :: else ->
        /* someone else decided: drop local files, seek to S, replay */
        pos = S; E = mend[S]; replay = true; phase = REPLAY
      fi
    }
  /* The same create, but its answer is lost: the writer will retry it. */
  :: d_step { phase == MARK && mend[S] == NONE -> create_marker() }

  /* Replay: read [S, E] (Kafka's log does not change under the reader). */
  :: d_step { phase == REPLAY -> pos = E + 1; p = 0; phase = UPLOAD }

  /* Upload the file of output partition p, create-only. */
  :: d_step { phase == UPLOAD && p < P ->
      PROPERTY(pos == E + 1); /* invariant 4: the whole round has been read */
      split(me, S, E, p);
#ifndef MUTANT_NO_MARKER
#ifdef LIST_ONLY
      if :: replay && ((bits != 0) != (mfile[S * P + p] != 0)) -> phase = STOP :: else fi;
#else
      if :: replay && bits != mfile[S * P + p] -> phase = STOP :: else fi;
#endif
#endif
      if
      :: phase == STOP -> skip
      :: bits == 0 -> p++
#ifdef MUTANT_WRITER_KEYS
      :: else -> fc[KEY(me, p, S)] = bits; p++ /* plain PUT */
#else
      :: fc[KEY(me, p, S)] == 0 -> fc[KEY(me, p, S)] = bits; p++
      :: else ->
        /* already exists: success, because it holds the same messages */
        existing_file_same_content = (fc[KEY(me, p, S)] == bits);
        PROPERTY(existing_file_same_content);
        p++
#endif
      fi;
      check_no_duplicate();
      check_nothing_lost()
    }
  :: phase == UPLOAD && p == P -> phase = COMMIT

  /* Commit E + 1, fenced by the generation. */
  :: d_step { phase == COMMIT ->
#ifdef MUTANT_NO_FENCING
      if
      :: true ->
#else
      if
      :: mygen == gen ->
#endif
        /* invariant 5: every file of the round is stored */
        round_files_stored = true;
        j = S;
        do
        :: j <= E ->
          ncopies = 0;
          k = 0;
          do
          :: k < NKEYS -> if :: (fc[k] >> j) & 1 -> ncopies++ :: else fi; k++
          :: else -> break
          od;
          if :: ncopies == 0 -> round_files_stored = false :: else fi;
          j++
        :: else -> break
        od;
        PROPERTY(round_files_stored);
        /* C only moves forward */
        PROPERTY(C == NONE || E + 1 >= C);
#ifdef REACH_END
        assert(E + 1 < N);
#endif
        C = E + 1;
#ifdef LIFECYCLE
        if :: C > maxC -> maxC = C :: else fi;
#endif
#ifdef MUTANT_DELETE_MARKERS
        mend[S] = NONE; mwho[S] = NONE;
#endif
        check_nothing_lost();
        S = E + 1; p = 0; replay = false; phase = LOOKUP
      :: else ->
        /* refused (stale generation): the partition has moved on */
        RESET
      fi
    }
  od
}

/* Rebalances: the coordinator bumps the generation and gives the partition
 * to either writer (possibly the same one, as after a rejoin). */
active proctype group() {
  byte r = 0;
end:
  do
  :: d_step { r < MAXREB -> gen++; owner = 0; r++ }
  :: d_step { r < MAXREB -> gen++; owner = 1; r++ }
  :: else -> break
  od
}

#ifdef LIFECYCLE
/* The store's retention rule deletes old markers. "Old" is by age, so it goes
 * by the highest committed offset ever reached, and the retention period is
 * longer than any pause: it never runs while a zombie (a writer acting on an
 * old generation) is alive. */
#define NO_ZOMBIE ((ph[0] == IDLE || mg[0] == gen) && (ph[1] == IDLE || mg[1] == gen))
active proctype lifecycle() {
  byte x;
end:
  do
  :: atomic {
      NO_ZOMBIE ->
      select(x : 0 .. N - 1);
      if
      :: NO_ZOMBIE && mend[x] != NONE && mend[x] < maxC -> mend[x] = NONE; mwho[x] = NONE
      :: else
      fi;
      x = 0
    }
  od
}
#endif
