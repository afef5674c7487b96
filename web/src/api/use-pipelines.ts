import type { Client } from '@urql/core';
import { useEffect, useState } from 'preact/hooks';
import { PipelinesDocument } from './documents.js';
import type { PipelineInfo } from './shapes.js';

/** The pipelines the server serves, for a picker: none until they are read (or if they cannot be). */
export function usePipelines(client: Client): readonly PipelineInfo[] {
  const [pipelines, setPipelines] = useState<readonly PipelineInfo[]>([]);
  useEffect(() => {
    client
      .query(PipelinesDocument, {})
      .toPromise()
      .then((r) => r.data && setPipelines(r.data.pipelines));
  }, [client]);
  return pipelines;
}
