/**
 * Minimal typings for the parts of `oidc-provider` v9 the sandbox uses (the package ships no
 * declarations and @types/oidc-provider targets older majors).
 */
declare module 'oidc-provider' {
  type IncomingMessage = import('node:http').IncomingMessage;
  type ServerResponse = import('node:http').ServerResponse;

  export interface KoaContext {
    path: string;
    method: string;
    querystring: string;
    status: number;
    body: unknown;
    set(field: string, value: string): void;
  }

  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export interface InteractionDetails {
    uid: string;
    exp: number;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown> & { client_id?: string; scope?: string; redirect_uri?: string };
    session?: { accountId?: string };
    grantId?: string;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface AccessTokenInstance {
    accountId: string;
    clientId: string;
    grantId: string;
    scope?: string;
    scopes: Set<string>;
    isExpired: boolean;
  }

  export interface ClientInstance {
    clientId: string;
    clientName?: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface Interaction {
    lastSubmission?: Record<string, unknown>;
  }

  export class Check {
    constructor(
      reason: string,
      description: string,
      check: (ctx: { oidc: { result?: Record<string, unknown> } }) => boolean | Promise<boolean>,
    );
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
  }

  export interface PromptLike {
    checks: { add(check: Check, index?: number): void };
  }

  export interface PolicyLike {
    get(name: string): PromptLike | undefined;
  }

  export const interactionPolicy: {
    base(): PolicyLike;
    Check: typeof Check;
  };

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: KoaMiddleware): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    readonly Grant: {
      new (init: { accountId: string; clientId: string }): GrantInstance;
      find(id: string): Promise<GrantInstance | undefined>;
    };
    readonly AccessToken: {
      find(token: string, options?: { ignoreExpiration?: boolean }): Promise<AccessTokenInstance | undefined>;
    };
    readonly Client: {
      find(id: string): Promise<ClientInstance | undefined>;
      validate(metadata: Record<string, unknown>): Promise<void>;
    };
  }

  export default Provider;
}
