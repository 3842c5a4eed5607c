// An embed's address carries its token (/embed/...?token=...). Its frame asks the
// wall for its layout and refreshes with fetch; each of those requests to the wall
// carries the token as "Authorization: Bearer ..." from the very first, so none is
// refused (a cookie would not do: a browser may block it in a frame of another
// site). Only requests to this wall's own address get it, and only while the
// address names a token; the address is read at each request, as an embed's
// filters change it.
(function () {
    const plainFetch = window.fetch.bind(window);
    function wallPrefix() {
        const config = document.getElementById('_dash-config');
        try {
            return (config && JSON.parse(config.textContent).requests_pathname_prefix) || '/';
        } catch (e) {
            return '/';
        }
    }
    window.fetch = function (resource, options) {
        const token = new URLSearchParams(window.location.search).get('token');
        const address = new URL(
            resource instanceof Request ? resource.url : String(resource),
            window.location.href
        );
        const ours = address.origin === window.location.origin
            && address.pathname.startsWith(wallPrefix());
        if (!token || !ours || resource instanceof Request) {
            return plainFetch(resource, options);
        }
        const headers = new Headers((options && options.headers) || {});
        if (!headers.has('Authorization')) {
            headers.set('Authorization', 'Bearer ' + token);
        }
        return plainFetch(resource, Object.assign({}, options, {headers: headers}));
    };
})();
