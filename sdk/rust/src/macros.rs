//! `export_plugin!` and `plugin_descriptor!`.

/// A NUL-terminated copy of a `&'static str` constant expression, as `*const c_char`, built at
/// compile time (a NUL inside the text fails the build).
#[doc(hidden)]
#[macro_export]
macro_rules! __c_string {
    ($text:expr) => {{
        const TEXT: &str = $text;
        const LEN_WITH_NUL: usize = TEXT.len() + 1;
        static C_TEXT: [u8; LEN_WITH_NUL] = $crate::__private::nul_terminated::<LEN_WITH_NUL>(TEXT);
        C_TEXT.as_ptr() as *const ::core::ffi::c_char
    }};
}

/// Adds one kind's vtable to a descriptor under construction.
#[doc(hidden)]
#[macro_export]
macro_rules! __add_kind {
    ($descriptor:ident, $plugin:ty, handler) => {{
        static VTABLE: $crate::__private::StaticCell<$crate::sys::notify_handler_vtable> =
            // SAFETY: a vtable: integers and plain function pointers, never changed.
            unsafe {
                $crate::__private::StaticCell::new($crate::__private::handler_vtable::<$plugin>())
            };
        $descriptor.kinds |= $crate::sys::NOTIFY_KIND_HANDLER;
        $descriptor.handler = VTABLE.get();
    }};
    ($descriptor:ident, $plugin:ty, auth) => {{
        static VTABLE: $crate::__private::StaticCell<$crate::sys::notify_auth_vtable> =
            // SAFETY: a vtable: integers and plain function pointers, never changed.
            unsafe {
                $crate::__private::StaticCell::new($crate::__private::auth_vtable::<$plugin>())
            };
        $descriptor.kinds |= $crate::sys::NOTIFY_KIND_AUTH;
        $descriptor.auth = VTABLE.get();
    }};
    ($descriptor:ident, $plugin:ty, broker) => {{
        static VTABLE: $crate::__private::StaticCell<$crate::sys::notify_broker_vtable> =
            // SAFETY: a vtable: integers and plain function pointers, never changed.
            unsafe {
                $crate::__private::StaticCell::new($crate::__private::broker_vtable::<$plugin>())
            };
        $descriptor.kinds |= $crate::sys::NOTIFY_KIND_BROKER;
        $descriptor.broker = VTABLE.get();
    }};
    ($descriptor:ident, $plugin:ty, transport) => {{
        static VTABLE: $crate::__private::StaticCell<$crate::sys::notify_transport_vtable> =
            // SAFETY: a vtable: integers and plain function pointers, never changed.
            unsafe {
                $crate::__private::StaticCell::new($crate::__private::transport_vtable::<$plugin>())
            };
        $descriptor.kinds |= $crate::sys::NOTIFY_KIND_TRANSPORT;
        $descriptor.transport = VTABLE.get();
    }};
}

/// A pointer to the static descriptor of a plugin, for an entry function you name yourself
/// (tests linking several plugins into one program). Same fields as [`export_plugin!`].
#[macro_export]
macro_rules! plugin_descriptor {
    (
        plugin: $plugin:ty,
        name: $name:expr,
        version: $version:expr,
        description: $description:expr,
        kinds: [$($kind:ident),+ $(,)?],
        config_keys: [$(($key:expr, $key_type:expr, $doc:expr)),* $(,)?] $(,)?
    ) => {{
        const _: () = assert!(
            $crate::__private::is_valid_plugin_name($name),
            "plugin name must match [a-z0-9_-]+"
        );
        const KEY_COUNT: usize = {
            let names: &[&str] = &[$($key),*];
            names.len()
        };
        static CONFIG_KEYS: $crate::__private::StaticCell<[$crate::__private::notify_config_key; KEY_COUNT]> =
            {
                // The caller's expressions are evaluated outside the unsafe block.
                let keys = [
                    $($crate::__private::config_key($crate::__c_string!($key), $key_type, $crate::__c_string!($doc))),*
                ];
                // SAFETY: key entries point to NUL-terminated static strings; never changed.
                unsafe { $crate::__private::StaticCell::new(keys) }
            };
        static DESCRIPTOR: $crate::__private::StaticCell<$crate::__private::notify_plugin_descriptor> =
            {
                let mut descriptor = $crate::__private::descriptor::<$plugin>(
                    $crate::__c_string!($name),
                    $crate::__c_string!($version),
                    $crate::__c_string!($description),
                    CONFIG_KEYS.get(),
                );
                $($crate::__add_kind!(descriptor, $plugin, $kind);)+
                // SAFETY: the descriptor points to static strings, CONFIG_KEYS and vtables in
                // such cells, and holds function pointers; never changed.
                unsafe { $crate::__private::StaticCell::new(descriptor) }
            };
        DESCRIPTOR.get() as *const $crate::__private::notify_plugin_descriptor
    }};
}

/// Exports the plugin: emits `notify_plugin_entry_v1` (the one symbol notifyd looks up)
/// returning a static descriptor.
///
/// ```ignore
/// notify_sdk::export_plugin! {
///     plugin: Chat,                          // implements Plugin + each kind's trait
///     name: "chat_rs",                       // [a-z0-9_-]+, the manifest's `plugin = ...`
///     version: env!("CARGO_PKG_VERSION"),
///     description: "Chat room",
///     kinds: [handler],                      // any of handler, auth, broker, transport
///     config_keys: [
///         ("topic", notify_sdk::ConfigType::String, "The room (default \"chat\")."),
///     ],
/// }
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($($fields:tt)*) => {
        /// The plugin's entry symbol (ABI major 1).
        #[unsafe(no_mangle)]
        pub extern "C" fn notify_plugin_entry_v1() -> *const $crate::sys::notify_plugin_descriptor {
            $crate::plugin_descriptor!($($fields)*)
        }
    };
}
