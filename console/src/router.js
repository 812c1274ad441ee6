import { useEffect, useState } from 'react';

export function navigate(to) {
  if (to !== location.pathname + location.search) history.pushState({}, '', to);
  window.dispatchEvent(new Event('ehy:navigate'));
}

export function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener('ehy:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('ehy:navigate', update);
    };
  }, []);
  return path;
}
