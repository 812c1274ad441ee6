// 接口调试器 — GraphiQL from our own build. Monaco's editor workers are bundled by Vite
// (graphiql/setup-workers/vite), never fetched from esm.sh or another CDN
// (../shared/KNOWN-DEFECTS.md §7). Queries and mutations go over HTTP with the signed-in user's
// bearer token; subscriptions over WebSocket with graphql-ws, the token in connection_init.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';

import { useEffect, useMemo } from 'react';
import { GraphiQL } from 'graphiql';
import { useMonaco } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';

import { GRAPHQL_PATH, getSession, wsUrl } from '../api.js';

const SAMPLE = `# e呼应 GraphQL 接口调试器
# 查询与变更走 HTTP(携带当前登录用户的令牌),订阅走 WebSocket(graphql-transport-ws)。
# 运行下面的订阅后,新提交的诉求会实时推送到右侧结果区。

subscription Wall($after: String) {
  requestCreated(after: $after) {
    cursor kind at
    request {
      trackingCode title channel createdAt
      street { name } community { name } grid { name } building { name }
      suggestedSubcategory { name } suggestedDepartment { name }
    }
  }
}

query Me {
  me { username displayName roleLabel scopes { kind name } }
}
`;

// Monaco draws with "Fira Code" only; Chinese in responses (and in the docs) needs the CJK web font
// as a fallback, or Debian's Chromium shows empty boxes.
const EDITOR_FONT = '"Fira Code", "Noto Sans SC", monospace';

function useCjkEditorFont() {
  const monaco = useMonaco((s) => s.monaco);
  useEffect(() => {
    if (!monaco) return undefined;
    const apply = (editor) => editor.updateOptions({ fontFamily: EDITOR_FONT });
    monaco.editor.getEditors().forEach(apply);
    const created = monaco.editor.onDidCreateEditor((editor) => setTimeout(() => apply(editor), 0));
    return () => created.dispose();
  }, [monaco]);
}

export default function Explorer() {
  useCjkEditorFont();
  const session = getSession();
  const token = session?.token;
  const params = new URLSearchParams(location.search);
  const initialQuery = params.get('query') || undefined;
  const initialVariables = params.get('variables') || undefined;

  const { fetcher, wsClient } = useMemo(() => {
    const client = createClient({
      url: wsUrl(),
      lazy: true,
      keepAlive: 10_000,
      retryAttempts: 5,
      connectionParams: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    });
    return {
      wsClient: client,
      fetcher: createGraphiQLFetcher({
        url: GRAPHQL_PATH,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        wsClient: client,
      }),
    };
  }, [token]);

  useEffect(() => {
    document.title = 'e呼应 · 接口调试器';
    return () => wsClient.dispose();
  }, [wsClient]);

  return (
    <div className="explorer" data-testid="explorer">
      <header className="explorer-bar">
        <span className="brand-mark small">e呼应</span>
        <strong>GraphQL 接口调试器</strong>
        <span className="muted">
          {session ? `当前身份:${session.user.displayName || session.user.username}(${session.user.roleLabel})` : '未登录:以匿名身份调用(可查询二维码楼栋、按编号查询进度)'}
        </span>
        <span className="grow" />
        <a className="btn ghost" href="/console/">{session ? '返回控制台' : '登录'}</a>
      </header>
      <div className="explorer-body">
        <GraphiQL
          fetcher={fetcher}
          defaultQuery={SAMPLE}
          initialQuery={initialQuery}
          initialVariables={initialVariables}
          forcedTheme="dark"
          shouldPersistHeaders={false}
          defaultEditorToolsVisibility={Boolean(initialVariables)}
        />
      </div>
    </div>
  );
}
