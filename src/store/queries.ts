// Owns the store's read side as the rest of the app sees it (store.queries): calls, texts and voicemails, ended
// inbox sessions and the change marker, each read by its own module; nothing here knows HTTP.
import { callQueries } from './callQueries';
import { changeMarkerOf } from './changeMarker';
import type { Db } from './database';
import { messageQueries } from './messageQueries';
import { signOuts } from './signOuts';
import { voicemailQueries } from './voicemailQueries';

export function createQueries(db: Db) {
  return {
    ...callQueries(db),
    ...messageQueries(db),
    ...voicemailQueries(db),
    ...signOuts(db),
    ...changeMarkerOf(db),
  };
}

export type Queries = ReturnType<typeof createQueries>;
