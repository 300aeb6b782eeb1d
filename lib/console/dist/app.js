var b,Pe,$t,U,ce,Y,Oe,Q,De,_e,ue,gt,W=Symbol.for("pv"),ee={},te=[],vt=/^m(i|n|o|s|text|space)$/,pe=Array.isArray,de=te.slice,F=Object.assign;function I(e){e&&e.parentNode&&e.remove()}function Re(e,t,n){var r,i,o,s={},a=arguments.length;for(o in t)o=="key"?r=t[o]:o=="ref"&&typeof e!="function"?i=t[o]:s[o]=t[o];return a>2&&(s.children=a>3?de.call(arguments,2):n),B(e,s,r,i,null)}function B(e,t,n,r,i){var o={type:e,props:t,key:n,ref:r,__k:null,__:null,__b:0,__e:null,__c:null,constructor:W,__v:i||++Pe,__i:-1,__u:0};return!i&&b.vnode&&b.vnode(o),o}function ne(e){return e.children}function X(e,t){this.props=e,this.context=t,this.__g=0}function M(e,t){if(t==null)return e.__&&M(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!="function"||e.props.__P?null:M(e)}function bt(e){var t,n=e.__v,r=n.__e,i=[],o=[],s=e.__P;s&&((t=F({constructor:W},n)).__v=n.__v+1,b.vnode&&b.vnode(t),fe(s,t,n,e.__n,s.namespaceURI,32&n.__u?[r]:null,i,r||M(n),32&n.__u,o),t.__v=n.__v,t.__.__k[t.__i]=t,He(i,t,o),n.__=n.__e=null,t.__e!=r&&Ae(t))}function Ae(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),Ae(e)}function Ee(e){(8&e.__g||(e.__g|=8,U.push(e),Y++))&&ce==b.debounceRendering||((ce=b.debounceRendering)||queueMicrotask)(Ue)}function Ue(){try{for(var e,t=1;U.length;)U.length>t&&U.sort(Oe),e=U.shift(),t=U.length,8&e.__g&&bt(e)}finally{(Y=U.length)&&(ce||queueMicrotask)(Ue)}}function Me(e,t,n,r,i,o,s,a,p,_,u){var f,c,l,m,v,g,y=r.__k||te,$=t.length;for(p=yt(n,t,y,p,$),f=0;f<$;f++)(l=n.__k[f])!=null&&(c=~l.__i&&y[l.__i]||ee,l.__i=f,g=fe(e,l,c,i,o,s,a,p,_,u),m=l.__e,(c.ref!=l.ref||8&c.__u)&&(c.ref&&me(c.ref,null,l,c),l.ref&&u.push(l.ref,l.__c||m,l)),v=v||m,4&l.__u?(p=je(l,p,e,!c.__v),c.__e&&(c.__e=null)):typeof l.type=="function"&&g!==void 0?p=g:m&&(p=m.nextSibling),l.__u&=-21);return n.__e=v,p}function yt(e,t,n,r,i){var o,s,a,p,_,u,f,c,l,m=n.length,v=m,g=0,y=0,$=e.__k=Array(i);for(o=0;o<i;o++)(s=t[o])!=null&&typeof s!="boolean"&&typeof s!="function"?(typeof s!="object"||s.constructor===String?s=$[o]=B(null,s):pe(s)?s=$[o]=B(ne,{children:s}):s.constructor===W&&s.__b?s=$[o]=B(s.type,s.props,s.key,s.ref,s.__v):$[o]=s,p=o+g,s.__=e,s.__b=e.__b+1,a=null,~(_=s.__i=kt(s,n,p,v))&&(v--,(a=n[_])&&(a.__u|=2)),a&&a.__v?(s.__u|=16,_==p-1?g--:_==p+1?g++:_!=p&&(_>p?g--:g++,y=1)):(~_||(i>m?g--:i<m&&g++),typeof s.type!="function"&&(s.__u|=4))):$[o]=null;if(y){for(u=[],f=[],o=0;o<i;o++)if((s=$[o])&&16&s.__u){for(g=0,c=u.length;g<c;)u[l=g+c>>1]<s.__i?g=l+1:c=l;u[g]=s.__i,f[o]=g+1}for(g=u.length;o--;)f[o]&&(f[o]==g?g--:$[o].__u|=4)}if(v)for(o=0;o<m;o++)!(a=n[o])||2&a.__u||(a.__e==r&&(r=M(a)),he(a,a));return r}function je(e,t,n,r){var i,o,s,a;if(typeof e.type=="function"){if(e.props.__P)return t;if(i=e.__k)for(o=0;o<i.length;o++)i[o]&&(i[o].__=e,t=je(i[o],t,n,!1));return t}for(t&&!t.parentNode&&(t=M(e))&&!t.parentNode&&(t=null),s=e.__e,a=t;a&&a.nodeType==8;)a=a.nextSibling;for(s!=a&&(!r&&n.moveBefore&&s.parentNode?n.moveBefore(s,t):n.insertBefore(s,t||null)),t=s;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith("$s"););return t}function kt(e,t,n,r){var i,o=e.key,s=e.type,a=t[n],p=a&&!(2&a.__u);if(a===null&&o==null||p&&o==a.key&&s==a.type)return n;if(r>(p?1:0)){for(i=n-1;i>=0;i--)if((a=t[i])&&!(2&a.__u)&&o==a.key&&s==a.type)return i;for(i=n+1;i<t.length;i++)if((a=t[i])&&!(2&a.__u)&&o==a.key&&s==a.type)return i}return-1}function Ne(e,t,n){n==null&&(n=""),t[0]=="-"?e.setProperty(t,n):e[t]=n}function G(e,t,n,r,i){var o,s;if(t=="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof r=="string"&&(e.style.cssText=r=""),r)for(t in r)n&&t in n||Ne(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||Ne(e.style,t,n[t])}else if(t[0]=="o"&&t[1]=="n")typeof n!="function"&&(n=null),typeof r!="function"&&(r=null),(e.__e||(e.__e={}))[t]=n,n&&r||(s=ue[t]||(ue[t]=wt(t)),(e.__a||(e.__a={}))[t]=_e,o=t!=(t=t.replace(De,"$1")),(t=t.slice(2))[0]<"a"&&(t=t.toLowerCase()),n?e.addEventListener(t,s,o):e.removeEventListener(t,s,o));else{if(i=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{return void(e[t]=n??"")}catch{}if(typeof n=="function")return;n==null||n===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n)}}function wt(e){return function(t){var n=this.__e;if(n){if(n=n[e],t[Q]==null)t[Q]=_e++;else if(t[Q]<this.__a[e])return;return n(b.event?b.event(t):t)}}}function fe(e,t,n,r,i,o,s,a,p,_){var u,f,c,l,m,v,g,y,$,C,w,le,Ce,K,L,Te,A,H,D=t.type;if(t.constructor!==W)return null;128&n.__u&&(p=32&n.__u,u=n.__c.__z)&&(t.__u|=p,f=o=[],u.nodeType==8?a=Z(u,o):o.push(u),a=o[0]||a),(u=b.__b)&&u(t);e:if(typeof D=="function"){c=s.length;try{if(y=t.props,$=(u=D.prototype)&&u.render,C=(u=D.contextType)&&r[u.__c],w=u?C?C.props.value:u.__:r,(l=n.__c)?(t.__c=l,2&l.__g&&(l.__g|=1)):($?t.__c=l=new D(y,w):(t.__c=l=new X(y,w),l.constructor=D,l.render=xt),C&&C.sub(l),l.state||(l.state={}),l.__n=r,l.__g|=8,l.__h=[],l.__k=[]),$&&(l.__s||(l.__s=l.state),D.getDerivedStateFromProps&&(l.__s==l.state&&(l.__s=F({},l.__s)),F(l.__s,D.getDerivedStateFromProps(y,l.__s)))),m=l.props,v=l.state,l.__v=t,n.__c){if(y!==m&&$&&!D.getDerivedStateFromProps&&l.componentWillReceiveProps&&l.componentWillReceiveProps(y,w),t.__v==n.__v&&!(8&l.__g)||!(4&l.__g)&&l.shouldComponentUpdate&&l.shouldComponentUpdate(y,l.__s,w)===!1){t.__v!=n.__v&&(l.props=y,l.state=l.__s,l.__g&=-9),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(P){P&&(P.__=t)}),te.push.apply(l.__h,l.__k),l.__k=[],l.__h.length&&s.push(l),a=M(n);break e}l.componentWillUpdate&&l.componentWillUpdate(y,l.__s,w),$&&l.componentDidUpdate&&l.__h.push(function(){l.componentDidUpdate(m,v,g)})}else $&&!D.getDerivedStateFromProps&&l.componentWillMount&&l.componentWillMount(),$&&l.componentDidMount&&l.__h.push(l.componentDidMount);l.context=w,l.props=y,l.__P=e,l.__g&=-5,le=b.__r,Ce=$?25:0;do l.__g&=-9,le&&le(t),u=l.render(l.props,l.state=l.__s,l.context);while(8&l.__g&&++Ce<25);$&&(te.push.apply(l.__h,l.__k),l.__k=[]),l.state=l.__s,l.getChildContext&&(r=F({},r,l.getChildContext())),$&&n.__c&&l.getSnapshotBeforeUpdate&&(g=l.getSnapshotBeforeUpdate(m,v)),K=u&&u.type===ne&&u.key==null?u.props.children:u,y.__P&&(u=a,i=(e=y.__P).namespaceURI,p=o=null,n.props&&n.props.__P!=e&&(n.__k.some(function(P){P&&he(P,P)}),n.__k=null),a=n.__k?M(n,0):null),a=Me(e,pe(K)?K:[K],t,n,r,i,o,s,a,p,_),y.__P&&(t.__e=null,a=u),t.__u&=-161,f&&f.some(I),l.__h.length&&s.push(l),1&l.__g&&(l.__g&=-4)}catch(P){if(s.length=c,t.__v=null,p||o)if(P&&P.then){if(t.__u|=128|p,o){for(~(A=o.indexOf(a||void 0))||(A=o.length);(H=o[A-1])&&H.nodeType==8;)A--;for(;A<o.length;A++)if(H=o[A])if(o[A]=null,L){if(H==Te)break}else{if(H.nodeType!=8)break;H.data.startsWith("$s")&&(Te=Z(L=H))}}if(!L){for(;a&&a.nodeType==8&&a.nextSibling;)a=a.nextSibling;L=a}(u=Z(L=t.__c.__z||(t.__c.__z=L)))?(t.__e=L,a=u):t.__e=a,a=a&&a.nextSibling}else o&&o.some(I);else t.__e=n.__e;t.__k||(t.__k=n.__k||[]),P&&P.then||Le(t),b.__e(P,t,n)}}else a=t.__e=St(n.__e,t,n,r,i,o,s,p,_,e);return(u=b.diffed)&&u(t),a}function Z(e,t){if(e&&e.nodeType==8&&e.data.startsWith("$s"))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith("$s"))n++;else if(e.data.startsWith("/$s")&&!--n)return e}t&&t.push(e)}}function Le(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(Le))}function He(e,t,n){for(var r=0;r<n.length;)me(n[r++],n[r++],n[r++]);b.__c&&b.__c(t,e),e.some(function(i){try{e=i.__h,i.__h=[],e.some(function(o){o.call(i)})}catch(o){b.__e(o,i.__v)}})}function St(e,t,n,r,i,o,s,a,p,_){var u,f,c,l,m,v,g,y,$=n.props||ee,C=t.props,w=t.type;if(w=="svg"?i="http://www.w3.org/2000/svg":w=="math"?i="http://www.w3.org/1998/Math/MathML":i||(i="http://www.w3.org/1999/xhtml"),o){for(u=0;u<o.length;u++)if((m=o[u])&&(w?m.localName==w:m.nodeType==3)){e=m,o[u]=null;break}}if(!e){if(y=_.ownerDocument||document,!w)return y.createTextNode(C);e=y.createElementNS(i,w,C.is?C:_),a&&(b.__m&&b.__m(t,o),a=!1),o=null}if(w){if(_=w=="template"&&e.content||e,o=w=="textarea"&&C.defaultValue!=null?null:o&&de.call(_.childNodes),!a&&o)for($={},u=0;u<e.attributes.length;u++)$[(m=e.attributes[u]).name]=m.value;for(u in $)m=$[u],u=="dangerouslySetInnerHTML"?c=m:u=="children"||u in C||u=="value"&&"defaultValue"in C||u=="checked"&&"defaultChecked"in C||G(e,u,null,m,i);for(u in C)m=C[u],u=="children"?l=m:u=="dangerouslySetInnerHTML"?f=m:u=="value"?v=m:u=="checked"?g=m:a&&typeof m!="function"||$[u]===m||G(e,u,m,$[u],i);f?(a||c&&(f.__html==c.__html||f.__html==e.innerHTML)||(e.innerHTML=f.__html),t.__k=[]):(c&&(e.textContent=""),(w=="foreignObject"||i=="http://www.w3.org/1998/Math/MathML"&&vt.test(w))&&(i="http://www.w3.org/1999/xhtml"),Me(_,pe(l)?l:[l],t,n,r,i,o,s,o?o[0]:n.__k&&M(n,0),a,p),o&&o.some(I)),a&&w!="textarea"||(u="value",w=="progress"&&v==null?e.removeAttribute(u):v==null||v===e[u]&&(w!="progress"||v)||G(e,u,v,$[u],i),u="checked",g!=null&&g!=e[u]&&G(e,u,g,$[u],i))}else $===C||a&&e.data==C||(e.data=C);return e}function me(e,t,n,r){try{typeof e=="function"?t?t.__x=e(t)||1:r&&(r=r.__c||r.__e)&&(t=r.__x)&&(r.__x=null,typeof t=="function"?t():e(null)):e.current=t}catch(i){b.__e(i,n)}}function he(e,t,n){var r,i,o,s;if(b.unmount&&b.unmount(e),!(r=e.ref)||r.current&&r.current!=e.__e||me(r,null,t,e),r=e.__c){if(r.componentWillUnmount)try{r.componentWillUnmount()}catch(a){b.__e(a,t)}r.__P=r.__n=null}if(r=e.__k)for(s=0;s<r.length;s++)r[s]&&he(r[s],t,typeof e.type!="function"||n&&!e.props.__P);!n&&(r=e.__c)&&(r=r.__z)&&(i=Z(r,o=[]))&&(r==e.__e&&o.some(I),I(i),I(r)),n||I(e.__e),e.__e=e.__c=e.__=null}function xt(e,t,n){return this.constructor(e,n)}function Ie(e,t){var n,r,i,o;b.__&&b.__(e,t),t.nodeType==9&&(t=t.documentElement),r=(n=e&&32&e.__u)?null:t.__k,t.__k=B(ne,{children:[e]}),i=[],o=[],fe(t,t.__k,r||ee,ee,t.namespaceURI,r?null:t.firstChild?de.call(t.childNodes):null,i,r?r.__e:t.firstChild,n,o),He(i,t.__k,o),t.__k.props.children=null}b={__e:function(e,t,n,r){for(var i,o,s;t=t.__;)if((i=t.__c)&&!(1&i.__g)){i.__g|=4;try{if((s=(o=i.constructor)&&o.getDerivedStateFromError)&&i.setState(o.getDerivedStateFromError(e)),i.componentDidCatch&&(i.componentDidCatch(e,r||{}),s=1),s&&8&i.__g)return void(i.__g|=2)}catch(a){e=a}}throw Y=0,e}},Pe=0,$t=function(e){return e!=null&&e.constructor===W},X.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=F({},this.state)),typeof e=="function"&&(e=e(F({},n),this.props)),e&&(F(n,e),this.__v&&(t&&this.__k.push(t),Ee(this)))},X.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),Ee(this))},X.prototype.render=ne,U=[],Y=0,Oe=function(e,t){return e.__v.__b-t.__v.__b},Q=Symbol(),De=/(PointerCapture)$|Capture$/i,_e=0,ue={},gt=0;var V,x,$e,Fe,ge=Object.is,oe=0,Qe=[],ve=[],S=b,qe=S.__b,Be=S.__r,We=S.diffed,Je=S.__c,Ve=S.unmount,ze=S.__;function ye(e,t){S.__h&&S.__h(x,e,oe||t),oe=0;var n=x.__H||(x.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function h(e){return oe=1,Ct(Ze,e)}function Ct(e,t,n){var r=ye(V++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):Ze(void 0,t),function(o){var s=(r.__N||r.__)[0],a=r.t(s,o);ge(s,a)||(r.__N=[a,r.__[1]],r.__c.setState({}))}],r.__c=x,!x.__f)){x.__f=!0;var i=x.shouldComponentUpdate;x.shouldComponentUpdate=function(o,s,a){var p=this.__H;if(!p)return!0;var _=!1,u=this.props!=o;if(p.__.some(function(c){c.__N&&(_=!0,ge(c.__[0],c.__N[0])||(u=!0))}),i){var f=i.call(this,o,s,a);return _?f||u:f}return!_||u}}return r.__}function T(e,t){var n=ye(V++,3);!S.__s&&Xe(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,x.__H.__h.push(n))}function re(e){return oe=5,Tt(function(){return{current:e}},[])}function Tt(e,t){var n=ye(V++,7);return Xe(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function Et(){var e;do{for(;e=ve.shift();)try{J(e)}catch(n){S.__e(n,{__:(e=e.__P)&&e.__v})}for(;e=Qe.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(J),t.__h.some(be),t.__h=[]}catch(n){t.__h=[],S.__e(n,e.__v)}}}while(ve.length)}S.__b=function(e){x=null,qe&&qe(e)},S.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),ze&&ze(e,t)},S.__r=function(e){Be&&Be(e),V=0;var t=(x=e.__c).__H;t&&($e==x?x.__h=[]:(t.__h.some(J),t.__h.some(be),V=0),t.__h=[],t.__.some(function(n){n.__N&&(n.__=n.__N),n.u=n.__N=void 0})),$e=x},S.diffed=function(e){We&&We(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Ge(Qe.push(t)),t.__H.__.some(function(n){n.u&&(n.__H=n.u)})),$e=x=null},S.__c=function(e,t){t.some(function(n){try{n.__h.some(J),n.__h=n.__h.filter(function(r){return!r.__||be(r)})}catch(r){n.__h=[function(){throw r}]}}),Je&&Je(e,t)},S.unmount=function(e){Ve&&Ve(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(i){try{if(i.__P&&i.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}i.__P=n,Ge(ve.push(i))}else J(i)}catch(o){t=o}}),r.__H=void 0,t&&S.__e(t,r.__v))};var Ke=typeof requestAnimationFrame=="function";function Nt(e){var t,n=function(){clearTimeout(r),Ke&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);Ke&&(t=requestAnimationFrame(n))}function Ge(e){e!=1&&Fe==S.requestAnimationFrame||((Fe=S.requestAnimationFrame)||Nt)(Et)}function J(e){var t=x,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),x=t}function be(e){var t=x;e.__c=e.__(),x=t}function Xe(e,t){return!e||e.length!=t.length||t.some(function(n,r){return!ge(n,e[r])})}function Ze(e,t){return typeof t=="function"?t(e):t}var et=function(e,t,n,r){var i;t[0]=0;for(var o=1;o<t.length;o++){var s=t[o++],a=t[o]?(t[0]|=s?1:2,n[t[o++]]):t[++o];s===3?r[0]=a:s===4?r[1]=Object.assign(r[1]||{},a):s===5?(r[1]=r[1]||{})[t[++o]]=a:s===6?r[1][t[++o]]+=a+"":s?(i=e.apply(a,et(e,a,n,["",null])),r.push(i),a[0]?t[0]|=2:(t[o-2]=0,t[o]=i)):r.push(a)}return r},Ye=new Map;function tt(e){var t=Ye.get(this);return t||(t=new Map,Ye.set(this,t)),(t=et(this,t.get(e)||(t.set(e,t=function(n){for(var r,i,o=1,s="",a="",p=[0],_=function(c){o===1&&(c||(s=s.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?p.push(0,c,s):o===3&&(c||s)?(p.push(3,c,s),o=2):o===2&&s==="..."&&c?p.push(4,c,0):o===2&&s&&!c?p.push(5,0,!0,s):o>=5&&((s||!c&&o===5)&&(p.push(o,0,s,i),o=6),c&&(p.push(o,c,0,i),o=6)),s=""},u=0;u<n.length;u++){u&&(o===1&&_(),_(u));for(var f=0;f<n[u].length;f++)r=n[u][f],o===1?r==="<"?(_(),p=[p],o=3):s+=r:o===4?s==="--"&&r===">"?(o=1,s=""):s=r+s[0]:a?r===a?a="":s+=r:r==='"'||r==="'"?a=r:r===">"?(_(),o=1):o&&(r==="="?(o=5,i=s,s=""):r==="/"&&(o<5||n[u][f+1]===">")?(_(),o===3&&(p=p[0]),o=p,(p=p[0]).push(2,0,o),o=0):r===" "||r==="	"||r===`
`||r==="\r"?(_(),o=2):s+=r),o===3&&s==="!--"&&(o=4,p=p[0])}return _(),p}(e)),t),arguments,[])).length>1?t:t[0]}var d=tt.bind(Re);var ke="";function nt(e){ke=e}function ot(){return ke}async function k(e,t={}){let n={"x-nexus-csrf":ke},r={method:t.method??"GET",headers:n,cache:"no-store"};t.body!==void 0&&(n["content-type"]="application/json",r.body=JSON.stringify(t.body));let i=await fetch(e,r),o=await i.text(),s=o;try{s=o===""?null:JSON.parse(o)}catch{}if(!i.ok){let a=new Error(s?.error?.message??`HTTP ${i.status}`);throw a.status=i.status,a}return s}function se(e){return e?.status===404||e?.status===405}function q({points:e,label:t,unit:n=""}){let s=e.map(f=>Number.isFinite(f)?f:0),a=Math.max(1e-9,...s),p=s.length>1?(320-2*4)/(s.length-1):0,_=s.map((f,c)=>`${c===0?"M":"L"}${(4+c*p).toFixed(1)},${(76-f/a*(80-2*4)).toFixed(1)}`).join(" "),u=s.length>0?s[s.length-1]:0;return d`
    <figure class="chart">
      <svg viewBox=${"0 0 320 80"} role="img" aria-label=${`${t}: ${ie(u)}${n}`}>
          <path class="axis" d=${"M4,76 L316,76"} />
          ${s.length>1?d`<path class="line" d=${_} />`:null}
        </svg>
      <figcaption>${t} <span class="muted">max ${ie(a)}${n}</span></figcaption>
    </figure>
  `}function ie(e){return e==null?"\u2014":e===1/0?"\u221E":Math.abs(e)>=100?e.toFixed(0):e.toFixed(e%1===0?0:2)}function j(e){if(e==null||e==="")return"\u2014";let t=new Date(e);return Number.isNaN(t.getTime())?String(e):t.toLocaleString()}function z({value:e}){return d`<pre class="json" tabindex="0">${JSON.stringify(e,null,2)}</pre>`}function E({error:e}){return e?d`<p class="error" role="alert">${String(e.message??e)}</p>`:null}function N({value:e}){let t=String(e??"\u2014"),n=/^(ok|ready|closed|connected|active|true)$/i.test(t),r=/(error|fail|open|unready|revoked|down|overdue|false)/i.test(t);return d`<span class=${`badge ${n?"good":r?"bad":""}`}>${t}</span>`}function O({columns:e,rows:t,empty:n="Nothing yet",label:r}){return!t||t.length===0?d`<p class="muted">${n}</p>`:d`
    <div class="table-wrap" tabindex="0" role="region" aria-label=${r}>
      <table>
        <thead>
          <tr>${e.map(([i])=>d`<th scope="col">${i}</th>`)}</tr>
        </thead>
        <tbody>${t.map((i,o)=>d`<tr key=${o}>${e.map(([,s])=>d`<td>${s(i)}</td>`)}</tr>`)}</tbody>
      </table>
    </div>
  `}var rt=5e3;function R({label:e,value:t,unit:n=""}){return d`
    <div class="stat">
      <span class="muted">${e}</span>
      <strong>${t==null?"\u2014":`${ie(t)}${n}`}</strong>
    </div>
  `}function we({label:e,value:t}){return d`
    <div class="stat"><span class="muted">${e}</span><${N} value=${t} /></div>
  `}function st(e,t){return t>0?100*e/t:null}function Pt(e){return[...e].reverse().find(n=>n.calls>0)??e[e.length-1]??null}function it(){let[e,t]=h(null),[n,r]=h(null);if(T(()=>{let p=!1,_=()=>k("/admin/overview").then(f=>p||(t(f),r(null))).catch(f=>p||r(f));_();let u=setInterval(_,rt);return()=>{p=!0,clearInterval(u)}},[]),!e)return d`
      <section>
        <h1>Overview</h1>
        <${E} error=${n} />
      </section>
    `;let i=e.window.points,o=Pt(i),s=e.totals,a=e.instance.draining?"draining":e.instance.ready?"ready":"unready";return d`
    <section>
      <h1>Overview</h1>
      <${E} error=${n} />
      <div class="stats">
        <${we} label="Instance" value=${a} />
        <div class="stat"><span class="muted">Version</span><strong>${e.version}</strong></div>
        <${we} label=${`Store (${e.store.kind})`} value=${e.store.ok?"ok":"down"} />
        <${we} label="Redis" value=${e.redis.configured?e.redis.ok?"ok":"down":"not configured"} />
        <${R} label="Uptime" value=${e.instance.uptimeSeconds/60} unit=" min" />
      </div>
      <div class="stats">
        <${R} label="Calls / min" value=${o?.calls} />
        <${R} label="Error rate" value=${o?st(o.errors,o.calls):null} unit="%" />
        <${R} label="p50" value=${o?.calls?o.p50Ms:null} unit=" ms" />
        <${R} label="p99" value=${o?.calls?o.p99Ms:null} unit=" ms" />
        <${R} label="Cache hit rate" value=${st(s.cacheHits,s.cacheHits+s.cacheMisses)} unit="%" />
        <${R} label="Limit rejections" value=${s.limitRejections} />
        <${R} label="Calls since start" value=${s.calls} />
        <${R} label="Errors since start" value=${s.errors} />
      </div>
      <div class="charts">
        <${q} label="Calls per minute" points=${i.map(p=>p.calls)} />
        <${q} label="p99 latency" unit=" ms" points=${i.map(p=>p.p99Ms)} />
        <${q} label="p50 latency" unit=" ms" points=${i.map(p=>p.p50Ms)} />
        <${q} label="Errors per minute" points=${i.map(p=>p.errors)} />
        <${q} label="Limit rejections per minute" points=${i.map(p=>p.limitRejections)} />
        <${q} label="Cache hits per minute" points=${i.map(p=>p.cacheHits)} />
      </div>
      <p
        class="muted">Last ${e.window.minutes} minutes, one point per minute; refreshed every ${rt/1e3} s.</p>
    </section>
  `}function at(e){return e==null||e===""?"\u2014":typeof e=="object"?JSON.stringify(e):String(e)}function Ot(e){if(!e)return"\u2014";let t=Object.entries(e).filter(([,n])=>n===!0).map(([n])=>n.replace(/Hint$/,""));return t.length===0?"none":t.join(", ")}function Dt(e){return e?e.kind==="file"?`${e.file}:${e.line}`:`upstream ${e.upstream}`:"\u2014"}function Rt(e){if(!e)return"\u2014";if(e.everyone)return"every client (no policies)";let t=e.policies.map(r=>`${r.effect} ${r.name??`#${r.index}`}: ${[...r.clients??[],...r.groups??[]].join(", ")}`),n=e.servers.length>0?[`servers: ${e.servers.join(", ")}`]:[];return[...t,...n].join("; ")||"no client (no policy allows it)"}function Se(e){return e.inputSchema??e.input_schema??{type:"object",properties:{}}}function At({schema:e}){let t=new Set(e.required??[]),n=Object.entries(e.properties??{});return n.length===0?d`<p class="muted">No arguments</p>`:d`<dl class="schema">${n.map(([r,i])=>d`
        <div key=${r}>
          <dt><code>${r}</code> <span class="muted">${[i.type??"any",i.enum?`one of ${i.enum.join(", ")}`:null,t.has(r)?"required":"optional"].filter(Boolean).join(" \xB7 ")}</span></dt>
          <dd>${i.description??""}</dd>
        </div>
      `)}</dl>`}function Ut({name:e,prop:t,required:n}){let r=`arg-${e}`,i=d`<label for=${r}>${e}${n?" *":""}</label>`;return t.enum?d`${i}<select id=${r} name=${e}>${t.enum.map(o=>d`<option value=${JSON.stringify(o)}>${String(o)}</option>`)}</select>`:t.type==="boolean"?d`${i}<input id=${r} name=${e} type="checkbox" />`:t.type==="number"||t.type==="integer"?d`
      ${i}<input id=${r} name=${e} type="number" step=${t.type==="integer"?1:"any"}
        required=${n} />
    `:t.type==="object"||t.type==="array"?d`
      ${i}<textarea id=${r} name=${e} rows="3" required=${n}
        placeholder=${t.type==="array"?"[ ]":"{ }"}></textarea>
    `:d`${i}<input id=${r} name=${e} required=${n} />`}function Mt(e,t){let n={};for(let[r,i]of Object.entries(t.properties??{})){let o=e.elements[r];if(i.enum)n[r]=JSON.parse(o.value);else if(i.type==="boolean")n[r]=o.checked;else{if(o.value==="")continue;i.type==="number"||i.type==="integer"?n[r]=Number(o.value):i.type==="object"||i.type==="array"?n[r]=JSON.parse(o.value):n[r]=o.value}}return n}function jt({tool:e}){let t=Se(e),[n,r]=h(null),[i,o]=h(null),[s,a]=h(!1),p=new Set(t.required??[]);return d`<form class="card grid-form" onSubmit=${async u=>{u.preventDefault(),a(!0);try{let f=Mt(u.currentTarget,t),c=u.currentTarget.elements.nexus_run_as.value.trim();r(await k(`/admin/tools/${encodeURIComponent(e.name)}/test`,{method:"POST",body:c===""?{arguments:f}:{arguments:f,as:c}})),o(null)}catch(f){o(f)}finally{a(!1)}}} aria-label=${`Try ${e.name}`}>
    <h3>Try it</h3>
    ${Object.entries(t.properties??{}).map(([u,f])=>d`<${Ut} key=${u} name=${u} prop=${f} required=${p.has(u)} />`)}
    <label for="try-as">Run as client (optional: its policies apply)</label>
      <input id="try-as" name="nexus_run_as" placeholder="the administrator" />
      <button type="submit" disabled=${s}>Run ${e.name}</button>
    <${E} error=${i} />
    ${n&&d`
      <div data-testid="tool-result">
        <h3>Result and redacted trace</h3>
        <${z} value=${n} />
      </div>
    `}
  </form>`}function Lt({tool:e,onClose:t}){let n=re(null);return T(()=>n.current?.focus(),[]),d`
    <div class="card" data-testid="tool-detail" tabindex="-1" ref=${n}>
      <button class="link close" onClick=${t}>Close</button>
      <h2><code>${e.name}</code></h2>
      <p>${e.description??""}</p>
      <h3>Input schema</h3>
      <${At} schema=${Se(e)} />
      <details>
        <summary>Schema as JSON</summary>
        <${z} value=${Se(e)} />
      </details>
      <${jt} tool=${e} />
    </div>
  `}function lt(){let[e,t]=h(null),[n,r]=h(null),[i,o]=h(null);T(()=>{k("/admin/tools").then(a=>t(a.tools??a)).catch(a=>r(se(a)?new Error("This gateway has no /admin/tools endpoint yet"):a))},[]);let s=[["Name",a=>d`
        <button class="link" onClick=${()=>o(a)}
          aria-label=${`Open ${a.name}`}>${a.name}</button>
      `],["Source",a=>d`<code class="small">${Dt(a.source)}</code>`],["Backend",a=>at(a.backend)],["Credential",a=>at(a.credential)],["Annotations",a=>Ot(a.annotations)],["Visibility",a=>a.disabled?d`<${N} value=${`disabled: ${a.disabled}`} />`:Rt(a.policy)]];return d`<section>
    <h1>Tools</h1>
    <${E} error=${n} />
    ${i&&d`<${Lt} key=${i.name} tool=${i} onClose=${()=>o(null)} />`}
    ${e&&d`<${O} label="Tools" columns=${s} rows=${e} />`}
  </section>`}function Ht({pin:e}){return d`
    <div class="card">
      <h3><code>${e.tool}</code> <${N} value=${e.status} /> ${e.hiddenUnicode?d`<${N} value=${`hidden unicode: ${e.hidden.join(", ")}`} />`:null}</h3>
      <pre class="diff" tabindex="0">${e.changes.map(t=>d`<span class=${/: \+ /.test(t)?"add":/: - /.test(t)?"del":""}>${t}\n</span>`)}</pre>
    </div>
  `}function ct(){let[e,t]=h(null),[n,r]=h(null),[i,o]=h(null),[s,a]=h(null),p=()=>k("/admin/upstreams").then(c=>t(c.upstreams)).catch(c=>r(se(c)?new Error("This gateway has no /admin/upstreams endpoint"):c));T(()=>void p(),[]);let _=async c=>{try{let l=await k(`/admin/upstreams/${encodeURIComponent(c)}/diff`);o({name:c,pins:l.tools.filter(m=>m.status!=="approved")})}catch(l){r(l)}},u=async c=>{try{let l=await k(`/admin/upstreams/${encodeURIComponent(c)}/approve`,{method:"POST",body:{}});a({name:c,tools:l.approved}),o(null),await p()}catch(l){r(l)}},f=[["Name",c=>d`${c.name} <span class="muted">${c.url??""}</span>`],["Transport",c=>c.transport],["State",c=>d`<${N} value=${c.state} /> ${c.lastError?d`<span class="error">${c.lastError}</span>`:null}`],["Protocol",c=>c.protocolVersion??"\u2014"],["Tools",c=>`${c.tools} tools, ${c.prompts} prompts, ${c.resources} resources`],["Circuit",c=>d`<${N} value=${c.circuit} />`],["Restarts",c=>c.children===void 0?c.restarts:`${c.restarts} (${c.children} children)`],["Pending approval",c=>c.pendingApprovals===0?"none":d`<button onClick=${()=>_(c.name)}>
        ${c.pendingApprovals} to review: view diff</button>`]];return d`
    <section>
      <h1>Upstreams</h1>
      <${E} error=${n} />
      ${s&&d`<p class="card notice" role="status">Approved ${s.tools.length} tools of ${s.name}</p>`}
      ${e&&d`
        <${O} label="Upstreams" columns=${f} rows=${e}
          empty="No upstream MCP servers configured" />
      `}
      ${i&&d`
        <div class="card">
          <h2>Tools of ${i.name} waiting for approval</h2>
          ${i.pins.map(c=>d`<${Ht} key=${c.tool} pin=${c} />`)}
          <button onClick=${()=>u(i.name)}>Approve all of ${i.name}</button>
        </div>
      `}
    </section>
  `}function ae(e){let t=e.split(",").map(n=>n.trim()).filter(n=>n!=="");return t.length===0?void 0:t}function It({onCreated:e}){let[t,n]=h(null);return d`
    <form class="card grid-form" onSubmit=${async i=>{i.preventDefault();let o=i.currentTarget,s=new FormData(o),a=Number(s.get("days"));try{let p=await k("/admin/clients",{method:"POST",body:{name:String(s.get("name")),...a>0?{expiresInDays:a}:{},...ae(String(s.get("tools")))?{tools:ae(String(s.get("tools")))}:{},...ae(String(s.get("groups")))?{groups:ae(String(s.get("groups")))}:{},...s.get("admin")==="on"?{admin:!0}:{}}});o.reset(),n(null),e(p)}catch(p){n(p)}}} aria-label="Create client">
      <h2>New client key</h2>
      <label>Name <input name="name" required pattern="[A-Za-z0-9._\\-]+" /></label>
      <label>Expires in days <input name="days" type="number" min="1" /></label>
      <label>Tools (comma-separated, empty: all) <input name="tools" /></label>
      <label>Groups <input name="groups" /></label>
      <label class="check"><input name="admin" type="checkbox" /> Admin key</label>
      <button type="submit">Create key</button>
      <${E} error=${t} />
    </form>
  `}function ut(){let[e,t]=h(null),[n,r]=h(null),[i,o]=h(null),s=()=>k("/admin/clients").then(_=>t(_.clients)).catch(r);T(()=>void s(),[]);let a=async _=>{try{await k(`/admin/clients/${encodeURIComponent(_)}`,{method:"DELETE"}),o(null),await s()}catch(u){r(u)}},p=[["Name",_=>_.name],["Key id",_=>d`<code>${_.keyId}</code>`],["Scope",_=>_.scope],["Tools",_=>(_.tools??[]).join(", ")||"all"],["Created",_=>j(_.createdAt)],["Expires",_=>j(_.expiresAt)],["State",_=>d`<${N} value=${_.revokedAt?"revoked":"active"} />`],["",_=>_.revokedAt?null:d`
        <button class="danger" onClick=${()=>a(_.name)}
          aria-label=${`Revoke ${_.name}`}>Revoke</button>
      `]];return d`<section>
    <h1>Clients</h1>
    ${i&&d`
      <div class="card notice" role="status">
        <p>Key for <strong>${i.name}</strong>, shown once: copy it now.</p>
        <code class="secret" data-testid="issued-key">${i.key}</code>
        <button onClick=${()=>o(null)}>Done</button>
      </div>
    `}
    <${It} onCreated=${_=>{o(_),s()}} />
    <${E} error=${n} />
    ${e&&d`<${O} label="Client keys" columns=${p} rows=${e} />`}
  </section>`}var Ft=["api_key","bearer","basic","headers","oauth2_client_credentials","oauth2_refresh_token"];function _t(e,t){return e==="headers"||e==="oauth2_refresh_token"?JSON.parse(t):t}function qt({onDone:e}){let[t,n]=h(null);return d`
    <form class="card grid-form" onSubmit=${async i=>{i.preventDefault();let o=i.currentTarget,s=new FormData(o),a=String(s.get("kind")),p=Number(s.get("rotateDays")),_;try{let u=String(s.get("settings")).trim();_=u===""?void 0:JSON.parse(u);let f={kind:a,secret:_t(a,String(s.get("secret")))};_&&(f.settings=_),p>0&&(f.rotateEveryMs=p*864e5),o.elements.secret.value="",await k(`/admin/credentials/${encodeURIComponent(String(s.get("name")))}`,{method:"PUT",body:f}),o.reset(),n(null),e()}catch(u){o.elements.secret.value="",n(u)}}} aria-label="Set credential">
      <h2>Set a credential</h2>
      <label>Name <input name="name" required /></label>
      <label>Kind <select name="kind">${Ft.map(i=>d`<option>${i}</option>`)}</select></label>
      <label>Value (entered once, never shown again)
          <input name="secret" type="password" autocomplete="off" required /></label>
      <label>Settings (JSON, optional) <input name="settings" placeholder='{"header":"x-api-key"}' /></label>
      <label>Rotate every (days) <input name="rotateDays" type="number" min="1" /></label>
      <button type="submit">Save</button>
      <${E} error=${t} />
    </form>
  `}function Bt({credential:e,onDone:t}){let[n,r]=h(null);return d`
    <form class="inline" onSubmit=${async o=>{o.preventDefault();let s=o.currentTarget.elements.secret,a=s.value;s.value="";try{await k(`/admin/credentials/${encodeURIComponent(e.name)}/rotate`,{method:"POST",body:{secret:_t(e.kind,a)}}),r(null),t()}catch(p){r(p)}}}>
      <input name="secret" type="password" autocomplete="off" required
        aria-label=${`New value for ${e.name}`} placeholder="new value" />
      <button type="submit">Rotate</button>
      <${E} error=${n} />
    </form>
  `}function pt(){let[e,t]=h(null),[n,r]=h(null),[i,o]=h(null),s=()=>k("/admin/credentials").then(_=>t(_.credentials)).catch(r);T(()=>void s(),[]);let a=async _=>{try{o({name:_,result:(await k(`/admin/credentials/${encodeURIComponent(_)}/test`,{method:"POST"})).result})}catch(u){o({name:_,result:{error:u.message}})}};return d`<section>
    <h1>Credentials</h1>
    <${E} error=${n} />
    ${e&&d`<${O} label="Credentials" columns=${[["Name",_=>_.name],["Kind",_=>_.kind],["Version",_=>_.activeVersion],["Updated",_=>`${j(_.updatedAt)} by ${_.updatedBy}`],["Rotation due",_=>_.rotationDueAt===null?"\u2014":d`${j(_.rotationDueAt)} ${_.rotationOverdue?d`<${N} value="overdue" />`:null}`],["Rotate",_=>d`<${Bt} credential=${_} onDone=${s} />`],["",_=>d`<button onClick=${()=>a(_.name)} aria-label=${`Test ${_.name}`}>Test</button>`]]} rows=${e} />`}
    ${i&&d`
      <div class="card" role="status">
        <h2>Test of ${i.name}</h2>
        <${z} value=${i.result} />
      </div>
    `}
    <${qt} onDone=${s} />
  </section>`}async function Wt(e,t,n){let r=await fetch(e.replace("/admin/audit?","/admin/audit/tail?"),{headers:{"x-nexus-csrf":ot(),accept:"text/event-stream"},signal:n});if(!r.ok||!r.body)throw new Error(`Live tail: HTTP ${r.status}`);let i=r.body.pipeThrough(new TextDecoderStream).getReader(),o="";for(;;){let{value:s,done:a}=await i.read();if(a)return;o+=s;let p=o.split(`

`);o=p.pop();for(let _ of p){let u=_.split(`
`).filter(f=>f.startsWith("data:")).map(f=>f.slice(5));u.length>0&&t(JSON.parse(u.join(`
`)))}}}function dt(e,t){let n=new URLSearchParams;for(let[r,i]of Object.entries({...e,...t}))i!=null&&i!==""&&n.set(r,String(i));return`/admin/audit?${n}`}function Jt(e,t){let n=e.rows??e.records??[];return t?n.filter(r=>r.outcome===t):n}function ft(e){return e===""?"":new Date(e).toISOString()}function mt(){let[e,t]=h({limit:50}),[n,r]=h({rows:null,next:null,cursors:[]}),[i,o]=h(null),[s,a]=h(!1),p=re(0),_=async(c,l)=>{let m=++p.current;try{let v=await k(dt(e,{cursor:c}));if(m!==p.current)return;let g=Jt(v,e.outcome);r({rows:g,next:v.next??null,cursors:l}),o(null)}catch(v){m===p.current&&o(v)}};T(()=>void _(void 0,[]),[e]),T(()=>{if(!s)return;let c=new AbortController,l=m=>r(v=>({...v,rows:[m,...v.rows??[]]}));return Wt(dt({...e,cursor:void 0,limit:void 0},{}),l,c.signal).catch(m=>c.signal.aborted||o(m)),()=>c.abort()},[s,e]);let u=c=>{c.preventDefault();let l=new FormData(c.currentTarget);t({client:String(l.get("client")).trim(),tool:String(l.get("tool")).trim(),outcome:String(l.get("outcome")),since:ft(String(l.get("since"))),until:ft(String(l.get("until"))),limit:Number(l.get("limit"))||50})},f=[["Time",c=>j(c.at)],["Client",c=>c.clientName],["Tool",c=>d`<code>${c.tool}</code>`],["Outcome",c=>d`<${N} value=${c.outcome} />`],["Error",c=>c.errorCode??""],["ms",c=>Number(c.durationMs).toFixed(1)],["Backend",c=>c.backendStatus??""],["Request",c=>d`<code class="small">${c.requestId}</code>`]];return d`<section>
    <h1>Audit log</h1>
    <form class="card filters" onSubmit=${u} aria-label="Audit filters">
      <label>Client <input name="client" /></label>
      <label>Tool <input name="tool" /></label>
      <label>Outcome <select name="outcome">
        <option value="">any</option><option>ok</option><option>tool_error</option>
        <option>error</option><option>suppressed</option></select></label>
      <label>Since <input name="since" type="datetime-local" /></label>
      <label>Until <input name="until" type="datetime-local" /></label>
      <label>Per page <input name="limit" type="number" min="1" max="500" value="50" /></label>
      <button type="submit">Filter</button>
      <label class="check"><input type="checkbox" checked=${s}
        onChange=${c=>a(c.currentTarget.checked)} /> Live tail</label>
    </form>
    <${E} error=${i} />
    ${n.rows&&d`
      <${O} label="Audit records" columns=${f} rows=${n.rows}
        empty="No calls match" />
    `}
    <div class="pager">
      <button disabled=${n.cursors.length===0} onClick=${()=>{let c=n.cursors.slice(0,-1);_(c[c.length-1],c)}}>Newer</button>
      <button disabled=${!n.next} onClick=${()=>_(n.next,[...n.cursors,n.next])}>Older</button>
    </div>
  </section>`}var xe=[["overview","Overview",it],["tools","Tools",lt],["upstreams","Upstreams",ct],["clients","Clients",ut],["credentials","Credentials",pt],["audit","Audit",mt]];function ht(){let e=location.hash.replace(/^#\/?/,"").split("?")[0];return xe.find(([t])=>t===e)??xe[0]}function Vt({oidc:e}){let t=new URLSearchParams(location.search).get("signin")==="failed";return d`
    <main class="signin">
      <h1>Nexus console</h1>
      <form method="post" action="/console/login" class="card">
          <label for="key">Admin key</label>
          <input id="key" name="key" type="password" autocomplete="off" required autofocus />
          ${t?d`<p class="error" role="alert">Sign-in failed: not an administrator</p>`:null}
          <button type="submit">Sign in</button>
        </form>
      ${e?d`<p><a class="button" href="/console/oidc/start">Sign in with single sign-on</a></p>`:null}
    </main>
  `}function zt({admin:e}){let[t,n]=h(ht());T(()=>{let s=()=>n(ht());return addEventListener("hashchange",s),()=>removeEventListener("hashchange",s)},[]),T(()=>{document.title=`${t[1]} \xB7 Nexus console`},[t]);let r=async()=>{await k("/console/logout",{method:"POST"}).catch(()=>{}),location.replace("/console")},[i,,o]=t;return d`
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <strong class="brand">Nexus</strong>
        <nav aria-label="Pages">
            ${xe.map(([s,a])=>d`<a href=${`#/${s}`} aria-current=${s===i?"page":void 0}>${a}</a>`)}
          </nav>
        <span class="who">${e}</span>
        <button class="link" onClick=${r}>Sign out</button>
      </header>
      <main id="main" tabindex="-1">
        <${o} key=${i} />
      </main>
    </div>
  `}function Kt(){let[e,t]=h({loading:!0});return T(()=>{k("/console/session").then(n=>{if(!n.signedIn)return t({signedOut:!0,oidc:n.oidc});nt(n.csrf),t({admin:n.admin})}).catch(()=>t({signedOut:!0}))},[]),e.loading?d`<p class="muted">Loading…</p>`:e.signedOut?d`<${Vt} oidc=${e.oidc} />`:d`<${zt} admin=${e.admin} />`}Ie(d`<${Kt} />`,document.getElementById("app"));
