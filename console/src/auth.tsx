// Who is logged in, with login and logout (the CSRF flow: a login token from
// /api/auth/csrf, then the session's token for every mutation).
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { api, setCsrf, setOnUnauthenticated } from "./api";
import type { User } from "./types";

interface AuthState {
  user: User | null;
  /** True until the first `me` answered. */
  loading: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    setOnUnauthenticated(() => {
      setCsrf(null);
      setUser(null);
    });
    (async () => {
      try {
        const [me, { csrf_token }] = await Promise.all([
          api.get<User>("/api/auth/me"),
          api.get<{ csrf_token: string }>("/api/auth/csrf"),
        ]);
        setCsrf(csrf_token);
        setUser(me);
      } catch {
        // Not logged in: the login page shows.
        setUser(null);
      } finally {
        setLoading(false);
      }
    })();
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const { csrf_token } = await api.get<{ csrf_token: string }>("/api/auth/csrf");
    setCsrf(csrf_token);
    const res = await api.post<{ user: User; csrf_token: string }>("/api/auth/login", {
      username,
      password,
    });
    setCsrf(res.csrf_token);
    setUser(res.user);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.post("/api/auth/logout");
    } finally {
      setCsrf(null);
      setUser(null);
    }
  }, []);

  const value = useMemo(() => ({ user, loading, login, logout }), [user, loading, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}
