/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 75ad3cd62be5d59249f65da33654669aeb9a4476 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_Ketama_flavors, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_ketama_roll, 0, 1, Ketama\\Continuum, 0)
	ZEND_ARG_TYPE_INFO(0, file, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_ketama_get_server, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_OBJ_INFO(0, continuum, Ketama\\Continuum, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_ketama_print_continuum, 0, 1, IS_VOID, 0)
	ZEND_ARG_OBJ_INFO(0, continuum, Ketama\\Continuum, 0)
ZEND_END_ARG_INFO()

#define arginfo_ketama_destroy arginfo_ketama_print_continuum

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_ketama_error, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_Ketama_Continuum___construct, 0, 0, 1)
	ZEND_ARG_TYPE_INFO(0, servers, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, flavor, IS_STRING, 0, "\"libketama\"")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_class_Ketama_Continuum_fromFile, 0, 1, Ketama\\Continuum, 0)
	ZEND_ARG_TYPE_INFO(0, path, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, flavor, IS_STRING, 0, "\"libketama\"")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_class_Ketama_Continuum_fromMemcached, 0, 1, Ketama\\Continuum, 0)
	ZEND_ARG_OBJ_INFO(0, memcached, Memcached, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, servers, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ketama_Continuum_server, 0, 1, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ketama_Continuum_index, 0, 1, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ketama_Continuum_servers, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Ketama_Continuum_points arginfo_Ketama_flavors

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_Ketama_Continuum_count, 0, 0, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_Ketama_Continuum_flavor arginfo_ketama_error

#define arginfo_class_Ketama_Continuum_serverList arginfo_Ketama_flavors


ZEND_FUNCTION(Ketama_flavors);
ZEND_FUNCTION(ketama_roll);
ZEND_FUNCTION(ketama_get_server);
ZEND_FUNCTION(ketama_print_continuum);
ZEND_FUNCTION(ketama_destroy);
ZEND_FUNCTION(ketama_error);
ZEND_METHOD(Ketama_Continuum, __construct);
ZEND_METHOD(Ketama_Continuum, fromFile);
ZEND_METHOD(Ketama_Continuum, fromMemcached);
ZEND_METHOD(Ketama_Continuum, server);
ZEND_METHOD(Ketama_Continuum, index);
ZEND_METHOD(Ketama_Continuum, servers);
ZEND_METHOD(Ketama_Continuum, points);
ZEND_METHOD(Ketama_Continuum, count);
ZEND_METHOD(Ketama_Continuum, flavor);
ZEND_METHOD(Ketama_Continuum, serverList);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("Ketama", flavors, Ketama_flavors, arginfo_Ketama_flavors)
	ZEND_FE(ketama_roll, arginfo_ketama_roll)
	ZEND_FE(ketama_get_server, arginfo_ketama_get_server)
	ZEND_FE(ketama_print_continuum, arginfo_ketama_print_continuum)
	ZEND_FE(ketama_destroy, arginfo_ketama_destroy)
	ZEND_FE(ketama_error, arginfo_ketama_error)
	ZEND_FE_END
};


static const zend_function_entry class_Ketama_Continuum_methods[] = {
	ZEND_ME(Ketama_Continuum, __construct, arginfo_class_Ketama_Continuum___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, fromFile, arginfo_class_Ketama_Continuum_fromFile, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Ketama_Continuum, fromMemcached, arginfo_class_Ketama_Continuum_fromMemcached, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(Ketama_Continuum, server, arginfo_class_Ketama_Continuum_server, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, index, arginfo_class_Ketama_Continuum_index, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, servers, arginfo_class_Ketama_Continuum_servers, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, points, arginfo_class_Ketama_Continuum_points, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, count, arginfo_class_Ketama_Continuum_count, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, flavor, arginfo_class_Ketama_Continuum_flavor, ZEND_ACC_PUBLIC)
	ZEND_ME(Ketama_Continuum, serverList, arginfo_class_Ketama_Continuum_serverList, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};


static const zend_function_entry class_Ketama_Exception_methods[] = {
	ZEND_FE_END
};

static zend_class_entry *register_class_Ketama_Continuum(zend_class_entry *class_entry_Countable)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ketama", "Continuum", class_Ketama_Continuum_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL|ZEND_ACC_NO_DYNAMIC_PROPERTIES|ZEND_ACC_NOT_SERIALIZABLE;
	zend_class_implements(class_entry, 1, class_entry_Countable);

	return class_entry;
}

static zend_class_entry *register_class_Ketama_Exception(zend_class_entry *class_entry_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "Ketama", "Exception", class_Ketama_Exception_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_Exception);

	return class_entry;
}
