// A page whose sign-in has ended (the session expired, the account was removed,
// an embed's token ran out) gets 401 for its next refresh. Dash's renderer would
// then throw in the console and the page would sit there, frozen and looking live.
// Instead the page loads its own address again: the wall answers it with its
// sign-in page (next= this page) or, for an embed, with the page that says why.
(function () {
    const plainFetch = window.fetch.bind(window);
    let leaving = false;
    window.fetch = function (resource, options) {
        const address = resource instanceof Request ? resource.url : String(resource);
        return plainFetch(resource, options).then(function (response) {
            if (response.status !== 401 || !address.includes('_dash-update-component')) {
                return response;
            }
            if (!leaving) {
                leaving = true;
                window.location.reload();
            }
            return new Promise(function () {});  // the renderer never sees it
        });
    };
})();
